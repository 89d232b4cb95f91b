import Foundation
import Testing
import Distillation
import Harness
import TensorCore
import TestSupport

/// The repository root (tests run from it, or from a build directory below it).
func repositoryRoot() -> URL {
  var url = URL(fileURLWithPath: #filePath)
  for _ in 0..<3 { url.deleteLastPathComponent() }
  return url
}

/// One cache directory shared by the runner tests (fitted initial networks are trained once).
let sharedCaches: URL = {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("precond-bench-runner-tests")
  try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}()

/// Run options; the statistics cache lives in `statistics` (default: below `checkpoints`, so
/// each test starts without cached statistics).
func options(resume: Bool = false, checkpoints: URL, statistics: URL? = nil) -> RunOptions {
  var preparation = PreparationOptions(datasetCache: sharedCaches.appendingPathComponent("data").path,
    teacherCache: sharedCaches.appendingPathComponent("teachers").path)
  preparation.statisticsCache = (statistics ?? checkpoints.appendingPathComponent("statistics")).path
  return RunOptions(checkpointDirectory: checkpoints.path, resume: resume, machine: MachineFingerprint.current(),
    commit: CommitInfo.current(), preparation: preparation)
}

/// The smoke suite cut down to a few cells and steps.
func miniature(cells preconditionings: [Preconditioning] = [.ctm, .analytic], steps: Int = 40) throws -> SuiteSpecification {
  var suite = try SuiteParser.parse(path: repositoryRoot().appendingPathComponent("Benchmarks/Suites/smoke.json").path)
  suite.problems = [suite.problems[1]]
  suite.arms = [MethodArms(method: .ctm, preconditionings: preconditionings)]
  suite.seeds = [1]
  suite.training.steps = steps
  suite.evaluation.every = 10
  suite.checkpointEvery = 20
  return suite
}

/// A sink that "dies" after `limit` evaluations: it throws, and cannot record the failure either,
/// so the run stays `running` as after a SIGKILL.
final class DyingSink: ResultSink, @unchecked Sendable {
  let inner: InMemoryResultSink
  var remaining: Int
  init(_ inner: InMemoryResultSink, evaluations: Int) { self.inner = inner; remaining = evaluations }
  struct Died: Error {}
  func registerSuite(_ suite: SuiteRecord) throws { try inner.registerSuite(suite) }
  func recordTeacherValues(_ values: [TeacherValue], suite: String) throws { try inner.recordTeacherValues(values, suite: suite) }
  func beginRun(_ start: RunStart) throws -> RunID { try inner.beginRun(start) }
  func recordEvaluation(_ evaluation: EvaluationRecord, run: RunID) throws {
    guard remaining > 0 else { throw Died() }
    remaining -= 1
    try inner.recordEvaluation(evaluation, run: run)
  }
  func recordCoefficients(_ rows: [CoefficientRow], computeSeconds: Double, statistics: StatisticsCost?, run: RunID) throws {
    try inner.recordCoefficients(rows, computeSeconds: computeSeconds, statistics: statistics, run: run)
  }
  func recordGaps(_ rows: [GapRow], run: RunID) throws { try inner.recordGaps(rows, run: run) }
  func finishRun(_ run: RunID, status: RunStatus, step: Int?, message: String?, finishedAt: Timestamp) throws {
    guard remaining > 0 else { throw Died() }
    try inner.finishRun(run, status: status, step: step, message: message, finishedAt: finishedAt)
  }
  func latestRun(of cell: CellRecord) throws -> RunSummary? { try inner.latestRun(of: cell) }
  func resumeRun(_ run: RunID, keepingEvaluationsThrough step: Int, processID: Int32, host: String) throws {
    try inner.resumeRun(run, keepingEvaluationsThrough: step, processID: processID, host: host)
  }
}

func evaluations(_ sink: InMemoryResultSink, suite: String) -> [[EvaluationRecord]] {
  (sink.results(suite: suite)?.runs ?? []).map { $0.evaluations }
}

@Suite("Suite runner", .serialized)
struct RunnerTests {
  @Test("The smoke suite runs end to end: every cell completes with metrics at every evaluation")
  func smoke() throws {
    let suite = try SuiteParser.parse(path: repositoryRoot().appendingPathComponent("Benchmarks/Suites/smoke.json").path)
    let sink = InMemoryResultSink()
    let checkpoints = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: checkpoints) }
    let clock = ContinuousClock()
    let start = clock.now
    let summary = try ComputeThreads.withCount(2) { try SuiteRunner.run(suite, sink: sink, options: options(checkpoints: checkpoints)) }
    let elapsed = clock.now - start
    print("smoke suite: \(summary.completed) completed, \(summary.diverged) diverged in \(elapsed)")
    #expect(summary.failed == 0, "\(summary.failures)")
    #expect(summary.completed + summary.diverged == suite.cells.count)
    let runs = sink.results(suite: "smoke")?.runs ?? []
    #expect(runs.count == suite.cells.count)
    for run in runs where run.run.status == .completed {
      #expect(run.evaluations.map { $0.step } == [50, 100, 150, 200])
      #expect(run.evaluations.allSatisfy { $0.metrics.contains { $0.name == "sw2" && $0.nfe == 2 } })
      #expect(!run.coefficients.isEmpty)
    }
  }

  @Test("Bit-identical losses and metrics for 1 and 2 threads")
  func threads() throws {
    let suite = try miniature(steps: 20)
    let checkpoints = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: checkpoints) }
    let one = InMemoryResultSink(), two = InMemoryResultSink()
    // Separate statistics caches: both runs estimate the statistics themselves.
    _ = try ComputeThreads.withCount(1) {
      try SuiteRunner.run(suite, sink: one, options: options(checkpoints: checkpoints,
        statistics: checkpoints.appendingPathComponent("statistics-1")))
    }
    _ = try ComputeThreads.withCount(2) {
      try SuiteRunner.run(suite, sink: two, options: options(checkpoints: checkpoints,
        statistics: checkpoints.appendingPathComponent("statistics-2")))
    }
    let a = evaluations(one, suite: suite.name), b = evaluations(two, suite: suite.name)
    #expect(a.count == 2 && a.count == b.count)
    for (x, y) in zip(a, b) {
      #expect(x.map { $0.loss.bitPattern } == y.map { $0.loss.bitPattern })
      #expect(x.map { $0.metrics.map { $0.value.bitPattern } } == y.map { $0.metrics.map { $0.value.bitPattern } })
    }
  }

  @Test("A run interrupted mid-way resumes from its checkpoint to the same numbers as an uninterrupted run")
  func resume() throws {
    let suite = try miniature(cells: [.analytic], steps: 40)
    let checkpoints = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: checkpoints) }
    let straight = InMemoryResultSink()
    _ = try SuiteRunner.run(suite, sink: straight, options: options(checkpoints: checkpoints))
    let store = InMemoryResultSink()
    // Dies at the third evaluation (step 30), after the checkpoint at step 20.
    do {
      _ = try SuiteRunner.run(suite, sink: DyingSink(store, evaluations: 2), options: options(checkpoints: checkpoints))
    } catch {}
    #expect(store.results(suite: suite.name)?.runs.first?.run.status == .running)
    let summary = try SuiteRunner.run(suite, sink: store, options: options(resume: true, checkpoints: checkpoints))
    #expect(summary.completed == 1)
    let a = evaluations(straight, suite: suite.name)[0], b = evaluations(store, suite: suite.name)[0]
    #expect(a.map { $0.step } == b.map { $0.step })
    #expect(a.map { $0.loss.bitPattern } == b.map { $0.loss.bitPattern })
    #expect(a.map { $0.metrics } == b.map { $0.metrics })
    // A second resume skips the finished cell.
    #expect(try SuiteRunner.run(suite, sink: store, options: options(resume: true, checkpoints: checkpoints)).skipped == 1)
  }
}

@Suite("Suite files")
struct SuiteFileTests {
  @Test("Every shipped suite parses")
  func shipped() throws {
    let directory = repositoryRoot().appendingPathComponent("Benchmarks/Suites")
    let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
    #expect(files.contains("smoke.json"))
    for file in files { _ = try SuiteParser.parse(path: directory.appendingPathComponent(file).path) }
  }

  @Test("Malformed suites are errors that name the file and the key", arguments: [
    ("{\"description\": 1}", "description"),
    ("{\"description\": \"x\", \"problems\": [], \"bogus\": 1}", "problems"),
    ("not json", "smoke-bad.json"),
  ])
  func malformed(text: String, key: String) {
    do {
      _ = try SuiteParser.parse(bytes: Array(text.utf8), name: "bad", file: "smoke-bad.json")
      Issue.record("accepted a malformed suite")
    } catch {
      #expect("\(error)".contains("smoke-bad.json") && "\(error)".contains(key), "\(error)")
    }
  }

  @Test("Unknown keys, edm with CTM and impossible values are rejected with the key path")
  func rejections() throws {
    let base = try String(contentsOf: repositoryRoot().appendingPathComponent("Benchmarks/Suites/smoke.json"), encoding: .utf8)
    let cases: [(String, String, String)] = [
      ("\"gridCount\": 12", "\"gridCount\": 12, \"gridCnt\": 3", "training.gridCnt"),
      ("\"ctm\": [\"ctm\",", "\"ctm\": [\"edm\", \"ctm\",", "CD only"),
      ("\"steps\": 200", "\"steps\": -5", "training.steps"),
      ("\"seeds\": [1, 2, 3]", "\"seeds\": [1, 1]", "seeds"),
      ("\"every\": 50", "\"every\": 30", "checkpointEvery"),
      // A U-Net student on the 2-D mixtures stopped the process in a trainer precondition.
      ("\"network\": {\"kind\": \"mlp\", \"hiddenWidths\": [64, 64],", "\"network\": {\"kind\": \"unet\", \"baseWidth\": 16,",
       "student.network.kind"),
    ]
    for (original, replacement, expected) in cases {
      #expect(base.contains(original), "fixture drifted: \(original)")
      let text = base.replacingOccurrences(of: original, with: replacement)
      do {
        _ = try SuiteParser.parse(bytes: Array(text.utf8), name: "smoke", file: "smoke.json")
        Issue.record("accepted: \(replacement)")
      } catch {
        #expect("\(error)".contains(expected), "\(error)")
      }
    }
  }

  @Test("An MLP on image data is an error naming the student's network kind, not a crash")
  func mlpOnImages() throws {
    let url = repositoryRoot().appendingPathComponent("Benchmarks/Suites/fashion-mnist.json")
    var suite = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    var student = try #require(suite["student"] as? [String: Any])
    student["network"] = ["kind": "mlp", "hiddenWidths": [64]]
    suite["student"] = student
    let bytes = try JSONSerialization.data(withJSONObject: suite)
    #expect {
      _ = try SuiteParser.parse(bytes: Array(bytes), name: "fashion-mnist", file: "fashion-mnist.json")
    } throws: { error in
      "\(error)".contains("student.network.kind") && "\(error)".contains("fashion-mnist.json") && "\(error)".contains("unet")
    }
  }
}
