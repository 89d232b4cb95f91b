import Foundation
import Harness
import Testing

@Suite("fd-effnet and fd-inception in suites")
struct EffnetMetricTests {
  static func suiteText(_ name: String) throws -> String {
    try String(contentsOf: repositoryRoot().appendingPathComponent("Benchmarks/Suites/\(name).json"), encoding: .utf8)
  }

  @Test("Image suites may request fd-effnet and fd-inception; they need image data and cannot be targets (measured at the final evaluation only)")
  func parsing() throws {
    // The shipped Fashion-MNIST suite requests fd-effnet (at its final evaluation).
    let requested = try Self.suiteText("fashion-mnist")
    let suite = try SuiteParser.parse(bytes: Array(requested.utf8), name: "fashion-mnist", file: "fashion-mnist.json")
    #expect(suite.evaluation.metrics.contains("fd-effnet"))
    let target = requested.replacingOccurrences(of: "\"metric\": \"fd-randconv\"", with: "\"metric\": \"fd-effnet\"")
    #expect(target != requested)
    #expect {
      try SuiteParser.parse(bytes: Array(target.utf8), name: "fashion-mnist", file: "fashion-mnist.json")
    } throws: { error in
      "\(error)".contains("fashion-mnist.json") && "\(error)".contains("final evaluation only")
    }
    let inception = requested.replacingOccurrences(of: "\"fd-effnet\"", with: "\"fd-inception\"")
    #expect(inception != requested)
    #expect(try SuiteParser.parse(bytes: Array(inception.utf8), name: "fashion-mnist", file: "fashion-mnist.json")
      .evaluation.metrics.contains("fd-inception"))
    let inceptionTarget = inception.replacingOccurrences(of: "\"metric\": \"fd-randconv\"", with: "\"metric\": \"fd-inception\"")
    #expect {
      try SuiteParser.parse(bytes: Array(inceptionTarget.utf8), name: "fashion-mnist", file: "fashion-mnist.json")
    } throws: { error in
      "\(error)".contains("fd-inception is measured at the final evaluation only")
    }
    let smoke = try Self.suiteText("smoke")
    let vector = smoke.replacingOccurrences(of: "\"metrics\": [", with: "\"metrics\": [\"fd-effnet\", ")
    #expect(vector != smoke)
    #expect {
      try SuiteParser.parse(bytes: Array(vector.utf8), name: "smoke", file: "smoke.json")
    } throws: { error in
      "\(error)".contains("fd-effnet needs image data")
    }
  }
}
