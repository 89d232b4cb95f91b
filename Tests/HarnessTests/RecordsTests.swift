import CanonicalJSON
import Foundation
import Harness
import SyntheticResults
import Testing
import TestSupport

@Suite("Harness records")
struct RecordsTests {
  @Test("JSON: sorted keys, shortest numbers, non-finite as strings, integers kept apart")
  func jsonWriting() throws {
    let value = JSONValue.object([
      "b": .number(0.1), "a": .integer(3),
      "c": .array([.number(.infinity), .number(-.infinity), .number(.nan)]),
      "d": .string("q\"\\\n\u{01}é/"), "e": .object([:]), "f": .array([]), "g": .number(2),
      "h": .number(1e-5),
    ])
    #expect(
      value.serialized(pretty: false)
        == #"{"a":3,"b":0.1,"c":["inf","-inf","nan"],"d":"q\"\\\n\u0001é/","e":{},"f":[],"g":2.0,"h":1e-05}"#
    )
    let pretty = value.serialized()
    #expect(pretty.hasSuffix("}\n"))
    #expect(pretty.contains("\n  \"a\": 3,\n"))
    let parsed = try JSONValue.parse(pretty, file: "x.json", remedy: "")
    // NaN != NaN, so compare texts.
    #expect(parsed.serialized() == pretty)
  }

  @Test("JSON parser rejects malformed input with the file and byte offset, never traps")
  func jsonErrors() {
    let cases = [
      "", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "01", "1.", "-", "\"abc", "\"\\x\"",
      "{\"a\":1,\"a\":2}",
      "[1] x", "tru", "\"\\ud800\"", "{1:2}", "\u{01}", "1e999",
      String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000),
    ]
    for text in cases {
      #expect(throws: RecordFormatError.self, "input \(text.prefix(20))") {
        _ = try JSONValue.parse(text, file: "bad.json", remedy: "fix it")
      }
    }
    do {
      _ = try JSONValue.parse("{\"a\": [1, 2,, 3]}", file: "bad.json", remedy: "fix it")
      Issue.record("expected an error")
    } catch let error as RecordFormatError {
      #expect(error.offset == 12)
      #expect(error.description.hasPrefix("bad.json: at byte 12: malformed JSON"))
      #expect(error.description.hasSuffix("fix it"))
    } catch {
      Issue.record("unexpected \(error)")
    }
    // Every prefix of a valid document is an error or a value, never a crash.
    let document = SyntheticResults().suite.specJSON
    for length in 0..<document.utf8.count {
      _ = try? JSONValue.parse(
        bytes: Array(document.utf8.prefix(length)), file: "p.json", remedy: "")
    }
  }

  @Test("strict reader: unknown and missing keys name the file and key path")
  func strictReader() throws {
    let value = try JSONValue.parse(
      #"{"metric": "sw2", "nfe": 2, "threshold": 0.5, "direction": "lower", "extra": 1}"#,
      file: "t.json", remedy: "r")
    #expect(throws: RecordFormatError.self) {
      _ = try QualityTarget(json: value, path: "targets[0]", file: "t.json", remedy: "r")
    }
    do {
      _ = try QualityTarget(json: value, path: "targets[0]", file: "t.json", remedy: "r")
    } catch let error as RecordFormatError {
      #expect(error.keyPath == "targets[0].extra")
      #expect(error.description.contains("unknown key"))
      #expect(error.description.contains("t.json"))
    }
    let missing = try JSONValue.parse(
      #"{"metric": "sw2", "nfe": 2.5, "threshold": 1, "direction": "lower"}"#, file: "t.json",
      remedy: "r")
    do {
      _ = try QualityTarget(json: missing, path: "", file: "t.json", remedy: "r")
      Issue.record("expected an error")
    } catch let error as RecordFormatError {
      #expect(error.keyPath == "nfe")
      #expect(error.message.contains("expected an integer"))
    }
  }

  @Test("display numbers: factors in two significant digits, 100 and more in full, never an exponent below a million")
  func factors() {
    #expect(DisplayNumber.factor(1.8347) == "1.8")
    #expect(DisplayNumber.factor(0.09412) == "0.094")
    #expect(DisplayNumber.factor(32.4) == "32")
    #expect(DisplayNumber.factor(155.3) == "155")
    #expect(DisplayNumber.factor(99.96) == "100")  // %.2g would give 1e+02
    #expect(DisplayNumber.factor(2.5e7) == "2.5e+07")
    #expect(DisplayNumber.factor(.infinity) == "inf")
  }

  @Test("timestamps: ISO 8601 both ways")
  func timestamps() {
    let stamp = Timestamp(secondsSinceEpoch: 1_795_000_000)
    #expect(stamp.description == "2026-11-18T11:06:40Z")
    #expect(Timestamp(iso8601: stamp.description) == stamp)
    #expect(Timestamp(iso8601: "1970-01-01T00:00:00Z")?.secondsSinceEpoch == 0)
    #expect(Timestamp(iso8601: "2000-02-29T23:59:59Z")?.description == "2000-02-29T23:59:59Z")
    #expect(Timestamp(iso8601: "2026-13-01T00:00:00Z") == nil)
    #expect(Timestamp(iso8601: "yesterday") == nil)
  }

  @Test("machine fingerprint: stable id, current() reads this machine")
  func fingerprint() {
    let machine = SyntheticResults.machine
    #expect(machine.id.count == 16)
    var other = machine
    other.cores = 4
    #expect(other.id != machine.id)
    let current = MachineFingerprint.current()
    #expect(current.cores >= 1)
    #expect(current.memoryBytes > 0)
    #expect(current.buildConfiguration == "release" || current.buildConfiguration == "debug")
    #expect(MachineFingerprint.current().id == current.id)
  }

  @Test("baseline file: byte-identical round trip; unknown keys and bad values are errors")
  func baselineRoundTrip() throws {
    let results = SyntheticResults(scenario: .diverged).results()
    let baseline = BaselineBuilder.make(
      name: "smoke", created: Timestamp(secondsSinceEpoch: 1_795_000_000), results: results)
    let text = baseline.fileText
    let read = try BaselineRecord(fileText: text, file: "Baselines/smoke.json")
    #expect(read.fileText == text)
    #expect(read.cells.count == 9)
    #expect(read.cells.allSatisfy { $0.seeds.count == 1 })
    // A diverged seed keeps its NaN-free record: status and step.
    #expect(text.contains("\"status\": \"diverged\""))

    let edited = text.replacingOccurrences(of: "\"finalStep\"", with: "\"finalStpe\"")
    do {
      _ = try BaselineRecord(fileText: edited, file: "Baselines/smoke.json")
      Issue.record("expected an error")
    } catch let error as RecordFormatError {
      #expect(error.file == "Baselines/smoke.json")
      #expect(error.keyPath?.hasSuffix("finalStpe") == true)
      #expect(error.description.contains("precond-bench baseline export smoke"))
    }
    let badStatus = text.replacingOccurrences(
      of: "\"status\": \"completed\"", with: "\"status\": \"done\"")
    #expect(throws: RecordFormatError.self) {
      _ = try BaselineRecord(fileText: badStatus, file: "b.json")
    }
    #expect(throws: RecordFormatError.self) {
      _ = try BaselineRecord(fileText: "[]", file: "b.json")
    }
    #expect(throws: RecordFormatError.self) {
      _ = try BaselineRecord(
        fileText: text.replacingOccurrences(of: "\"format\": 1", with: "\"format\": 9"),
        file: "b.json")
    }
  }

  @Test("in-memory sink: order of steps, resume drops later evaluations")
  func inMemorySink() throws {
    let synthetic = SyntheticResults(preconditionings: ["ctm"], seeds: [0], evaluations: 4)
    let sink = InMemoryResultSink()
    let cell = synthetic.cells[0]
    #expect(throws: ResultSinkError.self) {
      _ = try sink.beginRun(
        RunStart(cell: cell, machine: synthetic.machine, commit: synthetic.commit))
    }
    try sink.registerSuite(synthetic.suite)
    let run = try sink.beginRun(
      RunStart(cell: cell, machine: synthetic.machine, commit: synthetic.commit))
    for index in 0..<3 {
      try sink.recordEvaluation(synthetic.evaluation(of: cell, index: index), run: run)
    }
    #expect(throws: ResultSinkError.self) {
      try sink.recordEvaluation(synthetic.evaluation(of: cell, index: 1), run: run)
    }
    #expect(try sink.latestRun(of: cell)?.lastEvaluatedStep == 150)
    try sink.resumeRun(run, keepingEvaluationsThrough: 50, processID: 1, host: "h")
    #expect(try sink.latestRun(of: cell)?.lastEvaluatedStep == 50)
    try sink.finishRun(run, status: .completed)
    #expect(sink.results(suite: synthetic.suiteName)?.runs.first?.run.status == .completed)
  }
}
