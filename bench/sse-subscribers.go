// The change feed's subscriber client for bench/run: N streams of GET /api/events in one
// process, one goroutine a stream, the Go standard library only (Go 1.19 or later).
//
// bench/run builds it with `go build -o <its temporary directory>/sse-subscribers
// bench/sse-subscribers.go` and speaks to it as it speaks to its python subscriber processes,
// one JSON array a line instead of multiprocessing's pipe:
//
//	stdout  ["ready", connected, {"reason": count, ...}]   once every stream has read `: connected`
//	stdin   ["start"]                                      the writer starts: CPU and lag count from here
//	stdin   ["stop", {"webTaskId": 201 time, ...}]         the writer is done (epoch seconds)
//	stdout  ["result", {figures}]                          every stream had every event, or -drain s passed
//	stdout  ["error", "message"]                           and exit 1
//
// The figures are those of bench/run's feed_summary, computed the same way: an event's commit
// time is the earlier of its `at` and the local time the writer's 201 for its task arrived; a
// delivery's latency runs from there to time.Now() when the bytes were read, in 0.1 ms buckets.
//
// The client's own lag: the kernel stamps every segment it receives (SO_TIMESTAMPNS); for
// every read the client records how long the newest segment it read had waited in the socket
// (time.Now() at the read minus that stamp), from ["start"] until the streams are closed. That
// is how far behind the stream the reader was at that read, a lower bound for the older bytes
// of the same read; its p50/p99/max are reported as lag_* (lag_source "socket"). The client also
// reports timer_lag_*: how late a goroutine wakes from a 10 ms sleep, the measure the python
// client takes of its event loop (it shows the process starved of CPU). Should the kernel give
// no stamps, lag_* are the timer's (lag_source "timer").
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

var (
	port      = flag.Int("port", 19111, "TaskPilot's port on 127.0.0.1")
	count     = flag.Int("n", 1000, "streams to open")
	drain     = flag.Float64("drain", 10, "seconds to wait, after stop, for every stream to have every event")
	batch     = flag.Int("batch", 100, "streams opened at once")
	openLimit = flag.Float64("connect-timeout", 30, "seconds a stream has to read `: connected`")
)

var output = struct {
	sync.Mutex
	w *bufio.Writer
}{w: bufio.NewWriter(os.Stdout)}

func send(message ...interface{}) {
	line, err := json.Marshal(message)
	if err != nil {
		line, _ = json.Marshal([]interface{}{"error", "encoding a message: " + err.Error()})
	}
	output.Lock()
	defer output.Unlock()
	output.w.Write(line)
	output.w.WriteByte('\n')
	output.w.Flush()
}

func fail(format string, args ...interface{}) {
	send("error", fmt.Sprintf(format, args...))
	os.Exit(1)
}

// An event as the first stream to read it described it.
type event struct {
	kind      string
	webTaskID int64
	hasTask   bool
	at        float64
	hasAt     bool
}

// The events read so far, by id, shared by the streams: split in shards so that 1,000 streams
// checking each frame's id do not queue on one lock.
const shards = 64

var events [shards]struct {
	sync.Mutex
	byID map[int64]*event
}

func known(id int64) bool {
	shard := &events[uint64(id)%shards]
	shard.Lock()
	_, ok := shard.byID[id]
	shard.Unlock()
	return ok
}

func describe(id int64, frame []byte) {
	shard := &events[uint64(id)%shards]
	shard.Lock()
	defer shard.Unlock()
	if _, ok := shard.byID[id]; ok {
		return
	}
	described := &event{}
	for _, line := range bytes.Split(frame, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("event: ")) {
			described.kind = string(line[7:])
		} else if bytes.HasPrefix(line, []byte("data: ")) {
			var data struct {
				WebTaskID *int64  `json:"webTaskId"`
				At        *string `json:"at"`
			}
			if json.Unmarshal(line[6:], &data) == nil {
				if data.WebTaskID != nil {
					described.webTaskID, described.hasTask = *data.WebTaskID, true
				}
				if data.At != nil {
					if at, err := time.Parse(time.RFC3339Nano, *data.At); err == nil {
						described.at, described.hasAt = epoch(at), true
					}
				}
			}
		}
	}
	shard.byID[id] = described
}

func epoch(t time.Time) float64 {
	return float64(t.UnixNano()) / 1e9
}

// measuring is 1 from ["start"] until the streams are closed: reads record their lag then.
var measuring int32

type stream struct {
	conn      *net.TCPConn
	raw       syscall.RawConn
	oob       []byte
	connected chan struct{}
	signalled bool
	failure   error
	lost      chan struct{}
	lastID    int64 // atomic
	ids       []int64
	times     []float64
	waits     []float32 // ms the newest segment of each read waited in the socket
	stamped   int
}

func open() (*stream, error) {
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", *port), time.Duration(*openLimit*float64(time.Second)))
	if err != nil {
		return nil, err
	}
	s := &stream{conn: conn.(*net.TCPConn), connected: make(chan struct{}), lost: make(chan struct{}),
		oob: make([]byte, syscall.CmsgSpace(int(unsafe.Sizeof(syscall.Timespec{}))))}
	if s.raw, err = s.conn.SyscallConn(); err != nil {
		conn.Close()
		return nil, err
	}
	s.raw.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	})
	if _, err = conn.Write([]byte("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")); err != nil {
		conn.Close()
		return nil, err
	}
	go s.run()
	select {
	case <-s.connected:
		return s, nil
	case <-s.lost:
		if s.failure == nil {
			s.failure = errors.New("closed before `: connected`")
		}
		return nil, s.failure
	case <-time.After(time.Duration(*openLimit * float64(time.Second))):
		conn.Close()
		<-s.lost
		return nil, errors.New("TimeoutError: no `: connected` in time")
	}
}

// read is conn.Read through recvmsg, to get the kernel's receive stamp of the newest segment
// read (0 when there is none).
func (s *stream) read(buffer []byte) (int, float64, error) {
	var n, oobn int
	var failure error
	err := s.raw.Read(func(fd uintptr) bool {
		for {
			n, oobn, _, _, failure = syscall.Recvmsg(int(fd), buffer, s.oob, 0)
			if failure != syscall.EINTR {
				break
			}
		}
		return failure != syscall.EAGAIN
	})
	if err != nil {
		return 0, 0, err
	}
	if failure != nil {
		return 0, 0, failure
	}
	if n == 0 {
		return 0, 0, io.EOF
	}
	stamp := 0.0
	if oobn >= syscall.CmsgLen(0) {
		header := (*syscall.Cmsghdr)(unsafe.Pointer(&s.oob[0]))
		size := int(unsafe.Sizeof(syscall.Timespec{}))
		if header.Level == syscall.SOL_SOCKET && header.Type == syscall.SO_TIMESTAMPNS && int(header.Len) >= syscall.CmsgLen(size) && oobn >= syscall.CmsgLen(size) {
			at := (*syscall.Timespec)(unsafe.Pointer(&s.oob[syscall.CmsgLen(0)]))
			stamp = float64(at.Sec) + float64(at.Nsec)/1e9
		}
	}
	return n, stamp, nil
}

// run reads the stream until it ends: the response head, then chunks (or a plain body), then
// frames separated by a blank line.
func (s *stream) run() {
	defer close(s.lost)
	buffer := make([]byte, 32<<10)
	var raw, payload []byte
	head, chunked := false, false
	for {
		n, stamp, err := s.read(buffer)
		if err != nil {
			if !head && s.failure == nil {
				s.failure = fmt.Errorf("closed before `: connected` (%v)", err)
			}
			return
		}
		now := time.Now()
		received := epoch(now)
		if stamp > 0 && atomic.LoadInt32(&measuring) == 1 {
			s.waits = append(s.waits, float32((received-stamp)*1000))
			s.stamped++
		}
		data := buffer[:n]
		if !head {
			raw = append(raw, data...)
			end := bytes.Index(raw, []byte("\r\n\r\n"))
			if end < 0 {
				continue
			}
			headText := string(raw[:end])
			data = append([]byte(nil), raw[end+4:]...)
			raw = raw[:0]
			head = true
			fields := strings.SplitN(headText, " ", 3)
			if len(fields) < 2 || fields[1] != "200" {
				body := data
				if len(body) > 300 {
					body = body[:300]
				}
				status := "?"
				if len(fields) >= 2 {
					status = fields[1]
				}
				s.failure = fmt.Errorf("%s %s", status, body)
				s.conn.Close()
				return
			}
			for _, line := range strings.Split(headText, "\r\n")[1:] {
				name, value, found := strings.Cut(line, ":")
				if found && strings.EqualFold(strings.TrimSpace(name), "transfer-encoding") && strings.Contains(strings.ToLower(value), "chunked") {
					chunked = true
				}
			}
		}
		if chunked {
			raw = append(raw, data...)
			position, ended := 0, false
			for {
				lineEnd := bytes.Index(raw[position:], []byte("\r\n"))
				if lineEnd < 0 {
					break
				}
				lineEnd += position
				sizeText := raw[position:lineEnd]
				if semicolon := bytes.IndexByte(sizeText, ';'); semicolon >= 0 {
					sizeText = sizeText[:semicolon]
				}
				size, err := strconv.ParseInt(strings.TrimSpace(string(sizeText)), 16, 64)
				if err != nil {
					s.failure = fmt.Errorf("bad chunk size %q", sizeText)
					s.conn.Close()
					return
				}
				start := lineEnd + 2
				if size == 0 {
					ended = true
					position = len(raw)
					break
				}
				if start+int(size)+2 > len(raw) {
					break
				}
				payload = append(payload, raw[start:start+int(size)]...)
				position = start + int(size) + 2
			}
			raw = raw[:copy(raw, raw[position:])]
			payload = s.frames(payload, received)
			if ended {
				s.conn.Close()
				return
			}
		} else {
			payload = s.frames(append(payload, data...), received)
		}
	}
}

// frames handles every complete frame of payload and returns what is left of it.
func (s *stream) frames(payload []byte, received float64) []byte {
	start := 0
	for {
		end := bytes.Index(payload[start:], []byte("\n\n"))
		if end < 0 {
			break
		}
		end += start
		frame := payload[start:end]
		if len(frame) > 0 && frame[0] == ':' {
			// `: connected`, then heartbeats.
			if !s.signalled {
				s.signalled = true
				close(s.connected)
			}
		} else if bytes.HasPrefix(frame, []byte("id: ")) {
			lineEnd := bytes.IndexByte(frame, '\n')
			if lineEnd < 0 {
				lineEnd = len(frame)
			}
			if id, err := strconv.ParseInt(string(frame[4:lineEnd]), 10, 64); err == nil {
				s.ids = append(s.ids, id)
				s.times = append(s.times, received)
				atomic.StoreInt64(&s.lastID, id)
				if !known(id) {
					describe(id, frame[lineEnd:])
				}
			}
		}
		start = end + 2
	}
	if start == 0 {
		return payload
	}
	return payload[:copy(payload, payload[start:])]
}

func percentile(values []float64, share float64) interface{} {
	if len(values) == 0 {
		return nil // NaN for bench/run
	}
	sorted := append([]float64(nil), values...)
	sort.Float64s(sorted)
	index := int(share * float64(len(sorted)))
	if index > len(sorted)-1 {
		index = len(sorted) - 1
	}
	return sorted[index]
}

func maximum(values []float64) interface{} {
	if len(values) == 0 {
		return nil
	}
	top := math.Inf(-1)
	for _, value := range values {
		top = math.Max(top, value)
	}
	return top
}

func cpuSeconds() float64 {
	var usage syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return float64(usage.Utime.Nano()+usage.Stime.Nano()) / 1e9
}

func main() {
	flag.Parse()
	for index := range events {
		events[index].byID = make(map[int64]*event)
	}
	var limit syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &limit) == nil && limit.Cur < limit.Max {
		limit.Cur = limit.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &limit)
	}

	var streams []*stream
	refused := map[string]int{}
	for first := 0; first < *count; first += *batch {
		last := first + *batch
		if last > *count {
			last = *count
		}
		opened := make([]*stream, last-first)
		failures := make([]error, last-first)
		var group sync.WaitGroup
		for index := range opened {
			group.Add(1)
			go func(index int) {
				defer group.Done()
				opened[index], failures[index] = open()
			}(index)
		}
		group.Wait()
		for index, stream := range opened {
			if stream != nil {
				streams = append(streams, stream)
			} else {
				refused[fmt.Sprintf("%T: %v", failures[index], failures[index])]++
			}
		}
	}
	send("ready", len(streams), refused)

	input := bufio.NewReaderSize(os.Stdin, 1<<20)
	next := func() []json.RawMessage {
		line, err := input.ReadBytes('\n')
		if err != nil && len(line) == 0 {
			return nil
		}
		var message []json.RawMessage
		if json.Unmarshal(line, &message) != nil || len(message) == 0 {
			fail("not a message: %.200q", line)
		}
		return message
	}
	kind := func(message []json.RawMessage) string {
		var name string
		if message != nil {
			json.Unmarshal(message[0], &name)
		}
		return name
	}

	message := next()
	// From here, as the python client: the lag of a goroutine sleeping 10 ms, CPU and wall time.
	atomic.StoreInt32(&measuring, 1)
	var timerLags []float64
	var lagLock sync.Mutex
	stopMonitor := make(chan struct{})
	monitorDone := make(chan struct{})
	go func() {
		defer close(monitorDone)
		const period = 10 * time.Millisecond
		for {
			started := time.Now()
			select {
			case <-stopMonitor:
				return
			case <-time.After(period):
			}
			lagLock.Lock()
			timerLags = append(timerLags, float64(time.Since(started)-period)/1e6)
			lagLock.Unlock()
		}
	}()
	cpuStarted, wallStarted := cpuSeconds(), time.Now()
	if kind(message) == "start" {
		message = next()
	}
	cpuShare := (cpuSeconds() - cpuStarted) / math.Max(time.Since(wallStarted).Seconds(), 1e-9)
	created := map[int64]float64{}
	if kind(message) == "stop" && len(message) > 1 {
		var byText map[string]float64
		if err := json.Unmarshal(message[1], &byText); err != nil {
			fail("stop: %v", err)
		}
		for text, arrived := range byText {
			id, err := strconv.ParseInt(text, 10, 64)
			if err != nil {
				fail("stop: web task id %q", text)
			}
			created[id] = arrived
		}
	}

	isLost := func(s *stream) bool {
		select {
		case <-s.lost:
			return true
		default:
			return false
		}
	}
	snapshot := func() map[int64]event {
		all := map[int64]event{}
		for index := range events {
			shard := &events[index]
			shard.Lock()
			for id, described := range shard.byID {
				all[id] = *described
			}
			shard.Unlock()
		}
		return all
	}
	deadline := time.Now().Add(time.Duration(*drain * float64(time.Second)))
	for time.Now().Before(deadline) {
		knownCount, newest := 0, int64(0)
		for id, described := range snapshot() {
			if _, ok := created[described.webTaskID]; ok && described.kind == "task.created" && described.hasTask {
				knownCount++
				if id > newest {
					newest = id
				}
			}
		}
		if knownCount == len(created) {
			behind := false
			for _, s := range streams {
				if !isLost(s) && atomic.LoadInt64(&s.lastID) < newest {
					behind = true
					break
				}
			}
			if !behind {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	drained := time.Now().Before(deadline)
	close(stopMonitor)
	<-monitorDone
	endedByServer := 0
	for _, s := range streams {
		if isLost(s) {
			endedByServer++
		}
	}
	atomic.StoreInt32(&measuring, 0)
	for _, s := range streams {
		s.conn.Close()
	}
	closing := time.Now().Add(5 * time.Second)
	for _, s := range streams {
		if remaining := time.Until(closing); remaining > 0 {
			select {
			case <-s.lost:
			case <-time.After(remaining):
			}
		}
	}
	// Streams still reading after 5 s (none should be) are left out rather than raced with.
	var closed []*stream
	for _, s := range streams {
		if isLost(s) {
			closed = append(closed, s)
		}
	}

	// feed_summary's figures.
	all := snapshot()
	commit := map[int64]float64{}
	earlier201 := 0
	var acks []float64 // ms from each event's `at` to its 201: the group commit's fsync, the answer
	for id, described := range all {
		arrived, ok := created[described.webTaskID]
		if described.kind != "task.created" || !described.hasTask || !ok {
			continue
		}
		if described.hasAt {
			commit[id] = math.Min(described.at, arrived)
			if arrived < described.at {
				earlier201++
			}
			acks = append(acks, math.Max(0, (arrived-described.at)*1000))
		} else {
			commit[id] = arrived
		}
	}
	histogram := map[int]int{}
	delivered, duplicates, others, complete := 0, 0, 0, 0
	var waits []float64
	for _, s := range closed {
		seen := make(map[int64]struct{}, len(created))
		for index, id := range s.ids {
			committed, ok := commit[id]
			if !ok {
				others++
			} else if _, again := seen[id]; again {
				duplicates++
			} else {
				seen[id] = struct{}{}
				bucket := int((s.times[index] - committed) * 10000)
				if bucket < 0 {
					bucket = 0
				}
				histogram[bucket]++
			}
		}
		delivered += len(seen)
		if len(seen) == len(created) {
			complete++
		}
		for _, wait := range s.waits {
			waits = append(waits, math.Max(0, float64(wait)))
		}
	}
	buckets := make(map[string]int, len(histogram))
	for bucket, deliveries := range histogram {
		buckets[strconv.Itoa(bucket)] = deliveries
	}
	lags, source := waits, "socket"
	if len(waits) == 0 {
		lags, source = timerLags, "timer"
	}
	send("result", map[string]interface{}{
		"histogram": buckets, "delivered": delivered, "duplicates": duplicates, "others": others, "complete": complete,
		"earlier_201": earlier201, "events": len(commit),
		"ack_p50": percentile(acks, 0.5), "ack_p99": percentile(acks, 0.99), "ack_max": maximum(acks),
		"lag_p50": percentile(lags, 0.5), "lag_p99": percentile(lags, 0.99), "lag_max": maximum(lags), "lag_source": source,
		"socket_wait_p50": percentile(waits, 0.5), "socket_wait_p99": percentile(waits, 0.99), "socket_wait_max": maximum(waits),
		"reads": len(waits),
		"timer_lag_p50": percentile(timerLags, 0.5), "timer_lag_p99": percentile(timerLags, 0.99), "timer_lag_max": maximum(timerLags),
		"cpu_share": cpuShare, "cores": runtime.GOMAXPROCS(0), "drained": drained, "ended_by_server": endedByServer,
		"unclosed": len(streams) - len(closed),
	})
}
