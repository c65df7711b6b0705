// The read-through as a team might write it instead of TaskPilot, with Go's standard library
// only: GET /api/tasks/{id}/execution looks the web task's DTP task id up in a map (no database
// read at all) and passes the DTP's GET /tasks/{id} answer through: its status, Content-Type
// and body, marked TaskPilot-Source: scheduler. One keep-alive http.Client to the DTP.
// bench/run builds and runs it beside TaskPilot, so that every run compares the two.
//
// Usage: readthrough-peer -port 19083 -upstream http://127.0.0.1:19080 -tasks 2000
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func main() {
	port := flag.Int("port", 19083, "port to listen on (loopback)")
	upstream := flag.String("upstream", "http://127.0.0.1:19080", "the DTP's base URL")
	tasks := flag.Int("tasks", 2000, "web tasks 1...tasks are bound to DTP tasks 1...tasks")
	flag.Parse()

	// Filled before serving and only read after: no lock needed.
	bindings := make(map[int64]int64, *tasks)
	for id := int64(1); id <= int64(*tasks); id++ {
		bindings[id] = id
	}
	client := &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        4096,
			MaxIdleConnsPerHost: 4096,
			IdleConnTimeout:     60 * time.Second,
		},
	}

	http.HandleFunc("/api/tasks/", func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, "/api/tasks/")
		idText, suffix, found := strings.Cut(rest, "/")
		if !found || suffix != "execution" || r.Method != http.MethodGet {
			http.Error(w, `{"message":"not found"}`, http.StatusNotFound)
			return
		}
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil || id <= 0 {
			http.Error(w, `{"message":"id must be a positive integer"}`, http.StatusBadRequest)
			return
		}
		schedulerTaskId, bound := bindings[id]
		if !bound {
			http.Error(w, fmt.Sprintf(`{"message":"Task %d not found"}`, id), http.StatusNotFound)
			return
		}
		response, err := client.Get(*upstream + "/tasks/" + strconv.FormatInt(schedulerTaskId, 10))
		if err != nil {
			http.Error(w, `{"message":"the scheduler could not be reached"}`, http.StatusBadGateway)
			return
		}
		defer response.Body.Close()
		body, err := io.ReadAll(response.Body)
		if err != nil {
			http.Error(w, `{"message":"the scheduler's answer was cut short"}`, http.StatusBadGateway)
			return
		}
		w.Header().Set("TaskPilot-Source", "scheduler")
		w.Header().Set("Content-Type", response.Header.Get("Content-Type"))
		w.WriteHeader(response.StatusCode)
		w.Write(body)
	})
	log.Fatal(http.ListenAndServe(fmt.Sprintf("127.0.0.1:%d", *port), nil))
}
