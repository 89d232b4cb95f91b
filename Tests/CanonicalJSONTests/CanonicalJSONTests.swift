import CanonicalJSON
import TensorCore
import Testing

/// The canonical writer: its number layout, key order, escapes and the Codable encoder, each
/// checked against text written out by hand.
struct CanonicalNumberTests {
  func text(_ value: Double) throws -> String { try JSONValue.number(value).canonicalText() }

  @Test("Doubles: shortest round-trip digits in the documented layout")
  func edgeCases() throws {
    let cases: [(Double, String)] = [
      (0.1, "0.1"), (-0.1, "-0.1"), (0.0, "0.0"), (-0.0, "-0.0"), (1.0, "1.0"), (2.0, "2.0"),
      (-3.0, "-3.0"), (100.0, "100.0"), (123.456, "123.456"), (0.0001, "0.0001"), (0.00012, "0.00012"),
      (1e-5, "1e-05"), (1e-7, "1e-07"), (1.5e-7, "1.5e-07"), (-2.5e-10, "-2.5e-10"), (5e-324, "5e-324"),
      (1e21, "1e+21"), (1.25e22, "1.25e+22"), (1e300, "1e+300"), (1.7976931348623157e308, "1.7976931348623157e+308"),
      (1e15, "1000000000000000.0"), (9007199254740991.0, "9007199254740991.0"),
      (9007199254740992.0, "9.007199254740992e+15"), (1e16, "1e+16"), (0.30000000000000004, "0.30000000000000004"),
      (1.0 / 3.0, "0.3333333333333333"), (2.0 / 3.0, "0.6666666666666666"), (80.0, "80.0"), (0.002, "0.002"),
    ]
    for (value, expected) in cases {
      #expect(try text(value) == expected, "\(value)")
      #expect(Double(expected)?.bitPattern == value.bitPattern, "\(expected) must read back to \(value)")
    }
  }

  @Test("Integers stay integers; integral doubles keep their fraction")
  func integersAndIntegralDoubles() throws {
    #expect(try JSONValue.integer(3).canonicalText() == "3")
    #expect(try JSONValue.integer(-9_223_372_036_854_775_808).canonicalText() == "-9223372036854775808")
    #expect(try JSONValue.number(3).canonicalText() == "3.0")
    #expect(try JSONValue(encoding: 3).canonicalText() == "3")
    #expect(try JSONValue(encoding: 3.0).canonicalText() == "3.0")
    #expect(try JSONValue(encoding: UInt64(7)).canonicalText() == "7")
    #expect(throws: JSONEncodingError.self) { try JSONValue(encoding: UInt64.max) }
  }

  @Test("NaN and infinities are rejected by the canonical form, strings in records")
  func nonFinite() throws {
    for value in [Double.nan, .infinity, -.infinity] {
      #expect(throws: JSONWritingError.self) { try JSONValue.number(value).canonicalText() }
      #expect(throws: JSONWritingError.self) { try JSONValue.object(["a": .array([.number(value)])]).canonicalText() }
      #expect(throws: JSONEncodingError.self) { try JSONValue(encoding: ["a": value]) }
      #expect(throws: JSONEncodingError.self) { try JSONValue(encoding: Float(value)) }
    }
    #expect(JSONValue.number(.nan).serialized(pretty: false) == "\"nan\"")
    #expect(JSONValue.number(-.infinity).serialized(pretty: false) == "\"-inf\"")
    #expect(try JSONValueEncoder(nonFinite: .strings).encode([Double.infinity]).serialized(pretty: false) == "[\"inf\"]")
  }

  @Test("Every layout rule agrees with reading back, over many magnitudes")
  func roundTrips() throws {
    var stream = RandomStream(seed: 11, purpose: .testing).uniform(sample: 0, count: 4000).makeIterator()
    for exponent in -330...308 {
      for _ in 0..<4 {
        let mantissa = 1 + 9 * (stream.next() ?? 0.5)
        let value = mantissa * pow10(exponent)
        guard value.isFinite, value != 0 else { continue }
        let text = try self.text(value)
        #expect(Double(text) == value, "\(text)")
        #expect(text.contains(".") || text.contains("e"), "\(text)")
        // The layout matches Swift's own `description`, so files written before stay byte-identical.
        #expect(text == value.description, "\(text) vs \(value.description)")
      }
    }
  }

  func pow10(_ exponent: Int) -> Double {
    var result = 1.0
    let base = exponent < 0 ? 0.1 : 10.0
    for _ in 0..<abs(exponent) { result *= base }
    return result
  }
}

struct CanonicalTextTests {
  @Test("Keys sorted by UTF-8 bytes, no whitespace, minimal escapes")
  func keysAndStrings() throws {
    let value = JSONValue.object([
      "b": .integer(1), "a": .array([.null, .bool(true), .bool(false)]), "B": .string("x/y"),
      "é": .string("é\u{7F}"), "aa": .object([:]), "": .array([]),
      "s": .string("\"\\\n\r\t\u{08}\u{0C}\u{01}\u{1F}"),
    ])
    let expected = #"{"":[],"B":"x/y","a":[null,true,false],"aa":{},"b":1,"s":"\"\\\n\r\t\b\f\u0001\u001f","é":"é\#u{7F}"}"#
    #expect(try value.canonicalText() == expected)
    #expect(value.serialized(pretty: false) == expected)
  }

  @Test("Pretty text differs from the canonical text only by whitespace")
  func pretty() throws {
    let value = JSONValue.object(["x": .array([.number(0.1), .integer(2)]), "e": .object([:])])
    #expect(value.serialized(pretty: true) == "{\n  \"e\": {},\n  \"x\": [\n    0.1,\n    2\n  ]\n}\n")
  }

  struct Sample: Codable {
    enum Kind: String, Codable { case first, second }
    var name: String
    var kind: Kind
    var rate: Double
    var scale: Float
    var steps: Int
    var seed: UInt64
    var widths: [Int]
    var optional: Double?
    var nested: [String: Bool]
  }

  @Test("The Codable encoder: synthesised containers, nil left out, Float as its shortest decimal")
  func encoder() throws {
    let sample = Sample(name: "a", kind: .second, rate: 1e-7, scale: 0.1, steps: 3, seed: 9, widths: [64, 64],
      optional: nil, nested: ["z": true, "y": false])
    let expected = #"{"kind":"second","name":"a","nested":{"y":false,"z":true},"rate":1e-07,"scale":0.1,"seed":9,"steps":3,"widths":[64,64]}"#
    #expect(try JSONValue(encoding: sample).canonicalText() == expected)
    #expect(SHA256.hex(Array(try JSONValue(encoding: sample).canonicalText().utf8)) == SHA256.hex(Array(expected.utf8)))
  }
}
