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
}
