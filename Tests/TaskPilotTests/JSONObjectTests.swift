import OrderedJSON
import Testing

/// TaskPilot's JSON writer: members in the order added, strings escaped as RFC 8259 asks.
@Suite struct JSONObjectTests {
    @Test func membersKeepTheirOrderAndStringsAreEscaped() {
        var object = JSONObject()
        object.add("text", "q\"b\\s/n\nr\rt\tb\u{08}f\u{0C}\u{01}\u{1F}\u{0} dëmo ✓\u{7F}")
        object.add("none", nil as String?)
        object.add("count", 42 as Int64?)
        object.addRaw("list", JSONObject.array(["1", #"{"a":null}"#]))
        object.add("k\"ey", "")
        #expect(object.json == #"{"text":"q\"b\\s/n\nr\rt\tb\bf\f\u0001\u001f\u0000 dëmo ✓"# + "\u{7F}" + #"","none":null,"count":42,"list":[1,{"a":null}],"k\"ey":""}"#)
        #expect(JSONObject().json == "{}")
        #expect(JSONObject.quoted("plain") == #""plain""#)
    }

    @Test func nestedObjectsAndArraysAreWrittenInPlace() {
        var object = JSONObject(capacity: 0)
        object.add("min", Int64.min)
        object.add("zero", 0 as Int?)
        object.add("max", Int64.max)
        object.addObject("none", nil)
        object.addObject("one") { $0.add("a", -7 as Int64?); $0.addObject("deeper") { _ in } }
        object.addRawElements("list", [1, 22] as [Int64]) { value in
            var element = JSONObject()
            element.add("v", value)
            return element.utf8
        }
        object.addRawElements("empty", [Int64]()) { _ in [] }
        object.add("after", "x")
        let expected = #"{"min":-9223372036854775808,"zero":0,"max":9223372036854775807,"none":null,"#
            + #""one":{"a":-7,"deeper":{}},"list":[{"v":1},{"v":22}],"empty":[],"after":"x"}"#
        #expect(object.json == expected)
        #expect(object.utf8 == Array(expected.utf8))
    }
}

