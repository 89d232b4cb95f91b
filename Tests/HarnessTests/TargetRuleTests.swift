import CanonicalJSON
import Diffusion
import Foundation
import Harness
import Metrics
import TensorCore
import Testing
import TestSupport

/// The smoke suite's text with its targets replaced by `targets` (a JSON array's elements).
func smokeSuite(targets: String) throws -> SuiteSpecification {
  let base = try String(contentsOf: repositoryRoot().appendingPathComponent("Benchmarks/Suites/smoke.json"), encoding: .utf8)
  let original = "    {\"metric\": \"sw2\", \"nfe\": 2, \"threshold\": 0.25},\n    {\"metric\": \"sw2\", \"nfe\": 1, \"threshold\": 0.25}"
  #expect(base.contains(original), "fixture drifted")
  let text = base.replacingOccurrences(of: original, with: targets)
  return try SuiteParser.parse(bytes: Array(text.utf8), name: "smoke", file: "smoke.json")
}

/// A suite record with `rules` and `ctm` as the reference.
func ruleResults(_ rules: [TargetRule], runs: [RunResult], teacherValues: [TeacherValue] = []) -> SuiteResults {
  SuiteResults(
    suite: SuiteRecord(name: "s", specJSON: "{}", specHash: "x", referencePreconditioning: "ctm", rules: rules), runs: runs,
    teacherValues: teacherValues)
}

let setting = Setting(dataset: "d", teacher: "t", method: "ctm")

@Suite("Targets as rules")
struct TargetRuleTests {
  @Test("Suite files: absolute, reference and teacher rules parse; absolute targets keep their canonical JSON")
  func parsing() throws {
    let suite = try smokeSuite(targets: """
      {"metric": "sw2", "nfe": 2, "threshold": 0.25},
      {"metric": "sw2", "nfe": 2, "relativeTo": "reference", "at": "final"},
      {"metric": "sw2", "nfe": 1, "relativeTo": "reference", "at": 0.25, "factor": 1.5},
      {"metric": "sw2", "nfe": 2, "relativeTo": "teacher", "factor": 2, "teacherGrid": 10, "direction": "lower"}
      """)
    #expect(suite.targets == [
      .absolute(metric: "sw2", nfe: 2, threshold: 0.25),
      .reference(metric: "sw2", nfe: 2, at: 1),
      .reference(metric: "sw2", nfe: 1, at: 0.25, factor: 1.5),
      .teacher(metric: "sw2", nfe: 2, factor: 2, grid: 10),
    ])
    #expect(canonicalJSON(suite.targets[0]) == #"{"direction":"lower","metric":"sw2","nfe":2,"threshold":0.25}"#)
    #expect(suite.targets[3].teacherNFE == 18)
    #expect("\(suite.targets[1])" == "sw2 (NFE 2) <= reference's median at the final evaluation")
    #expect("\(suite.targets[2])" == "sw2 (NFE 1) <= 1.5 x reference's median at 25% of the budget")
    #expect("\(suite.targets[3])" == "sw2 (NFE 2) <= 2 x teacher (Heun, 18 NFE)")
    // The record keeps the rules, and its JSON reads back.
    for rule in suite.record.rules {
      #expect(try TargetRule(json: rule.json, path: "", file: "f", remedy: "r") == rule)
    }
  }

  @Test("Impossible rules are errors naming the key", arguments: [
    (#"{"metric": "sw2", "nfe": 2, "relativeTo": "reference", "at": 0}"#, "targets[0].at"),
    (#"{"metric": "sw2", "nfe": 2, "relativeTo": "reference", "at": 1.5}"#, "targets[0].at"),
    (#"{"metric": "sw2", "nfe": 2, "relativeTo": "reference", "at": "end"}"#, "targets[0].at"),
    (#"{"metric": "sw2", "nfe": 2, "relativeTo": "reference", "factor": 0}"#, "targets[0].factor"),
    (#"{"metric": "sw2", "nfe": 2, "relativeTo": "reference", "threshold": 1}"#, "targets[0].threshold"),
    (#"{"metric": "sw2", "nfe": 2, "relativeTo": "student"}"#, "targets[0].relativeTo"),
    (#"{"metric": "sw2", "nfe": 2, "relativeTo": "teacher", "factor": 2}"#, "targets[0].teacherGrid"),
    (#"{"metric": "sw2", "nfe": 2, "relativeTo": "teacher", "teacherGrid": 1}"#, "targets[0].teacherGrid"),
    (#"{"metric": "sw2", "nfe": 2, "relativeTo": "teacher", "teacherGrid": 10, "at": 0.5}"#, "targets[0].at"),
    (#"{"metric": "sw2", "nfe": 2, "relativeTo": "reference", "teacherGrid": 10}"#, "targets[0].teacherGrid"),
    (#"{"metric": "sw2", "nfe": 2}"#, "targets[0].threshold"),
  ])
  func rejects(target: String, key: String) {
    do {
      _ = try smokeSuite(targets: target)
      Issue.record("accepted \(target)")
    } catch {
      #expect("\(error)".contains(key) && "\(error)".contains("smoke.json"), "\(error)")
    }
  }

  @Test("A reference rule resolves to the factor times the reference's median at the fraction of the budget")
  func reference() throws {
    let runs = [
      makeRun("ctm", seed: 0, values: [4, 3, 2, 1]),  // steps 100..400: budget 400
      makeRun("ctm", seed: 1, values: [5, 3, 2, 1.5]),
      makeRun("ctm", seed: 2, values: [6, 4, 3, 2]),
      makeRun("ctm", seed: 3, values: [0.01], status: .diverged),  // left out
      makeRun("analytic", seed: 0, values: [3, 1.5, 1.2, 0.9]),
    ]
    let rules: [TargetRule] = [
      .reference(metric: "fd-pixels", nfe: 2, at: 0.5), .reference(metric: "fd-pixels", nfe: 2, at: 1, factor: 2),
      .reference(metric: "fd-pixels", nfe: 2, at: 0.3), .absolute(metric: "fd-pixels", nfe: 2, threshold: 0.7),
    ]
    let results = ruleResults(rules, runs: runs)
    let resolved = results.resolvedTargets(for: setting)
    // At 50% (step 200): 3, 3, 4 -> 3. At the end: 1, 1.5, 2 -> 1.5, times 2. At 30% the first
    // evaluation at or after step 120 is step 200.
    #expect(resolved.map { $0.target?.threshold } == [3, 3, 3, 0.7])
    #expect(resolved[0].explanation.contains("step 200") && resolved[0].explanation.contains("over 3 of 4 seed(s)"), "\(resolved[0].explanation)")
    #expect(resolved[0].target?.rule == rules[0] && resolved[3].target?.rule == nil)
    #expect("\(try #require(resolved[1].target))" == "fd-pixels (NFE 2) <= 3 (2 x reference's median at the final evaluation)")
    // The speed-up tables use the resolved thresholds: analytic reaches 3 at step 100 and ctm at
    // 200, 200, 300 and never (the diverged seed): median 250.
    let entry = try #require(SpeedUp.table(results, resamples: 200).first {
      $0.target.rule == rules[0] && $0.candidate.arm.preconditioning == "analytic"
    })
    #expect(entry.candidate.steps == [100] && entry.reference.medianSteps?.estimate == 250)
    // Without a completed reference run a relative rule is unresolved, and says why.
    let pending = ruleResults(rules, runs: [makeRun("ctm", seed: 0, values: [4], status: .running)])
    let unresolved = pending.resolvedTargets(for: setting)
    #expect(unresolved[0].target == nil && unresolved[0].explanation.contains("no completed `ctm` run"))
    #expect(pending.targets(for: setting).count == 1)
  }

  @Test("A teacher rule resolves from the recorded teacher value of the setting's problem and grid")
  func teacher() {
    let value = TeacherValue(dataset: "d", teacher: "t", teacherIdentity: "id", metric: "fd-pixels", grid: 10, samples: 500,
      value: 0.8, seconds: 3)
    let other = TeacherValue(dataset: "d", teacher: "t", teacherIdentity: "id", metric: "fd-pixels", grid: 4, samples: 500,
      value: 9, seconds: 1)
    let rule = TargetRule.teacher(metric: "fd-pixels", nfe: 2, factor: 1.5, grid: 10)
    let results = ruleResults([rule], runs: [makeRun("ctm", seed: 0, values: [1])], teacherValues: [other, value])
    let resolved = results.resolvedTargets(for: setting)[0]
    expectClose(resolved.target?.threshold ?? .nan, 1.2, relative: 1e-12)
    #expect(resolved.explanation.contains("18 NFE") && resolved.explanation.contains("0.8"))
    #expect(ruleResults([rule], runs: []).resolvedTargets(for: setting)[0].target == nil)
  }

  @Test("Baselines key on the rule and keep the resolved value; a comparison with itself is unchanged")
  func baselines() throws {
    let runs = [
      makeRun("ctm", seed: 0, values: [4, 3, 2, 1]), makeRun("ctm", seed: 1, values: [5, 3, 2, 1.5]),
      makeRun("analytic", seed: 0, values: [3, 1.5, 1.2, 0.9]), makeRun("analytic", seed: 1, values: [3, 2.5, 1.2, 0.9]),
    ]
    let rule = TargetRule.reference(metric: "fd-pixels", nfe: 2, at: 0.5)
    let results = ruleResults([rule], runs: runs)
    let baseline = BaselineBuilder.make(name: "b", created: Timestamp(secondsSinceEpoch: 0), results: results)
    let target = try #require(baseline.targets.first)
    #expect(target.rule == rule && target.threshold == 3)
    #expect(baseline.cells.allSatisfy { $0.seeds.allSatisfy { $0.targets.map(\.target) == [target] } })
    let text = baseline.json.serialized(pretty: true)
    let read = try BaselineRecord(json: JSONValue.parse(text, file: "b.json", remedy: "r"), file: "b.json", remedy: "r")
    #expect(read == baseline)
    let comparison = Comparison.compare(candidate: results, baseline: baseline, created: Timestamp(secondsSinceEpoch: 1))
    #expect(!comparison.verdicts.isEmpty && comparison.verdicts.allSatisfy { $0.outcome == .unchanged || $0.outcome == .unknown })
    #expect(comparison.verdicts.contains { $0.quantity.target?.rule == rule })
  }

  @Test("A suite with a teacher rule measures the teacher once (cached beside it) and records the value")
  func runnerRecordsTeacherValues() throws {
    var suite = try miniature(cells: [.ctm], steps: 20)
    suite.targets = [.teacher(metric: "sw2", nfe: 2, factor: 2, grid: 6)]
    let checkpoints = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: checkpoints) }
    var runOptions = options(checkpoints: checkpoints)
    runOptions.preparation.teacherCache = checkpoints.appendingPathComponent("teachers").path
    let sink = InMemoryResultSink()
    _ = try SuiteRunner.run(suite, sink: sink, options: runOptions)
    let results = try #require(sink.results(suite: suite.name))
    let value = try #require(results.teacherValues.first { $0.metric == "sw2" })
    #expect(value.grid == 6 && value.samples == suite.evaluation.samples && value.value > 0 && value.value.isFinite)
    // The value is the teacher's: EDM Heun on the 6-level Karras grid from the fixed evaluation
    // noises, scored by SW2 against the problem's reference set (recomputed here).
    let problem = try PreparedProblem.prepare(suite.problems[0], student: suite.student, evaluation: suite.evaluation,
      options: runOptions.preparation)
    let noise = RandomStream(seed: Evaluator.evaluationSeed, purpose: .samplingNoise)
      .normalTensor(shape: [suite.evaluation.samples] + problem.sampleShape)
    let samples = ProbabilityFlow(problem.teacher).sample(noise: noise, grid: KarrasGrid(count: 6))
    let flat = { (x: Tensor) in x.reshaped([x.shape[0], x.count / x.shape[0]]) }
    let expected = SlicedWasserstein(dimension: flat(problem.reference).shape[1]).distance(flat(samples), flat(problem.reference))
    expectClose(value.value, expected, relative: 1e-9)
    let firstSetting = try #require(results.settings().first)
    let target = try #require(results.targets(for: firstSetting).first)
    #expect(target.threshold == 2 * value.value)
    let files = try FileManager.default.contentsOfDirectory(atPath: runOptions.preparation.teacherCache).filter { $0.hasPrefix("teacher-values-") }
    #expect(files.count == 1)
    // A second suite run reads the cache: the same value, the file untouched.
    let file = runOptions.preparation.teacherCache + "/" + files[0]
    let before = try Data(contentsOf: URL(fileURLWithPath: file))
    let again = InMemoryResultSink()
    runOptions.resume = false
    _ = try SuiteRunner.run(suite, sink: again, options: runOptions)
    #expect(again.results(suite: suite.name)?.teacherValues.first { $0.metric == "sw2" }?.value == value.value)
    #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == before)
    // A corrupt cache file is an error naming it.
    try Data("{".utf8).write(to: URL(fileURLWithPath: file))
    #expect(throws: (any Error).self) { try SuiteRunner.run(suite, sink: InMemoryResultSink(), options: runOptions) }
    do {
      _ = try SuiteRunner.run(suite, sink: InMemoryResultSink(), options: runOptions)
    } catch {
      #expect("\(error)".contains(files[0]), "\(error)")
    }
  }
}
