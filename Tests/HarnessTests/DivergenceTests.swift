import Foundation
import Testing
import Distillation
import Harness
import TensorCore
import TestSupport

/// Runs `suite` into memory with throw-away checkpoints and returns its results.
func runInMemory(_ suite: SuiteSpecification) throws -> SuiteResults {
  let sink = InMemoryResultSink()
  let checkpoints = try CommandRunner.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: checkpoints) }
  _ = try SuiteRunner.run(suite, sink: sink, options: options(checkpoints: checkpoints))
  return try #require(sink.results(suite: suite.name))
}

@Suite("Divergence")
struct DivergenceTests {
  @Test("The loss rule: non-finite, or above factor x the mean of the first 10 losses")
  func lossRule() {
    var rule = DivergenceRule(factor: 1000)
    for step in 1...10 {
      let reason = rule.check(loss: Double(step), step: step)
      #expect(reason == nil)
    }
    #expect(rule.initialLoss == 5.5)
    let atLimit = rule.check(loss: 5500, step: 11)
    #expect(atLimit == nil)
    let reason = rule.check(loss: 5500.1, step: 12)
    #expect(reason?.contains("step 12") == true && reason?.contains("5.5") == true, "\(reason ?? "nil")")
    // Large losses during the first steps only raise the initial value; NaN always diverges.
    var early = DivergenceRule(factor: 10)
    let first = early.check(loss: 1e9, step: 1)
    #expect(first == nil)
    let nan = early.check(loss: .nan, step: 2)
    #expect(nan?.contains("non-finite") == true)
  }

  @Test("The metric rule: non-finite, or above factor x the first evaluated value")
  func metricRule() {
    var rule = DivergenceRule(factor: 100)
    let first = rule.check(metrics: [("sw2@2", 0.5), ("fd-pixels@1", 2)], step: 10)
    let below = rule.check(metrics: [("sw2@2", 49.9), ("fd-pixels@1", 199)], step: 20)
    let above = rule.check(metrics: [("sw2@2", 50.1)], step: 30)
    let infinite = rule.check(metrics: [("fd-pixels@1", .infinity)], step: 40)
    #expect(first == nil && below == nil)
    #expect(above?.contains("sw2@2") == true, "\(above ?? "nil")")
    #expect(infinite?.contains("non-finite") == true)
  }

  @Test("The rule's state survives a checkpoint bit for bit")
  func roundTrip() {
    var rule = DivergenceRule(factor: 1000)
    for step in 1...12 { _ = rule.check(loss: 0.1 * Double(step) + 1e-17, step: step) }
    _ = rule.check(metrics: [("sw2@1", 0.123456789), ("alignment@2", 3e-5)], step: 12)
    var restored = DivergenceRule(factor: 1000)
    let restoredOK = restored.restore(from: rule.checkpointText)
    #expect(restoredOK && restored == rule)
    var broken = DivergenceRule(factor: 1000)
    let brokenOK = broken.restore(from: "loss=abc")
    #expect(!brokenOK)
  }

  @Test("A run that blows up is recorded as diverged at the step it did, and counted so")
  func blowUp() throws {
    var suite = try miniature(cells: [.ctm], steps: 60)
    // A learning rate far too large for the student: the loss grows by orders of magnitude.
    suite.training.optimizer.learningRate = 5
    suite.training.divergenceFactor = 20
    let sink = InMemoryResultSink()
    let checkpoints = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: checkpoints) }
    let summary = try SuiteRunner.run(suite, sink: sink, options: options(checkpoints: checkpoints))
    #expect(summary.diverged == 1 && summary.completed == 0, "\(summary)")
    let run = try #require(sink.results(suite: suite.name)?.runs.first)
    #expect(run.run.status == .diverged)
    let message = run.run.statusMessage ?? ""
    #expect(message.contains("exceeds 20x") || message.contains("non-finite"), "\(message)")
    #expect((run.run.statusStep ?? 60) < 60, "stopped at \(run.run.statusStep ?? -1)")
  }
}

@Suite("Fair clocks")
struct FairClockTests {
  @Test("Cells are interleaved: every arm of a seed before the next seed; shards take whole seed blocks")
  func interleaved() throws {
    var suite = try miniature(cells: [.ctm, .analytic, .analyticL])
    suite.seeds = [1, 2, 3, 4]
    let cells = suite.cells
    #expect(cells.map { $0.seed } == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
    #expect(cells.prefix(3).map { $0.preconditioning } == [.ctm, .analytic, .analyticL])
    for count in [2, 4] {
      var seen = Set<Int>()
      for index in 0..<count {
        let shard = try #require(Shard(parsing: "\(index + 1)/\(count)"))
        let mine = cells.filter { shard.contains($0) }
        // Each shard runs every arm of its seeds, back to back.
        for seed in Set(mine.map { $0.seed }) { #expect(mine.filter { $0.seed == seed }.count == 3) }
        seen.formUnion(mine.map { $0.index })
      }
      #expect(seen.count == cells.count)
    }
    // More shards than seed blocks: split cell by cell, still every cell once.
    let many = (1...5).flatMap { i in cells.filter { Shard(parsing: "\(i)/5")!.contains($0) }.map { $0.index } }
    #expect(many.sorted() == Array(0..<cells.count))
  }

  @Test("Runs record the load average at their start and at every evaluation; CPU-time speed-ups are computed")
  func loadAndCPU() throws {
    let suite = try miniature(cells: [.ctm, .analytic], steps: 20)
    let results = try runInMemory(suite)
    for run in results.runs {
      #expect(run.run.loadAtStart != nil)
      #expect(run.evaluations.allSatisfy { $0.loadAverage != nil })
    }
    let load = try #require(LoadSummary.of(results.runs))
    #expect(load.readings == results.runs.count * 3 && load.lowest <= load.highest)
    let entries = SpeedUp.table(results, resamples: 50)
    #expect(!entries.isEmpty)
    for entry in entries where entry.stepsSpeedUp != nil {
      #expect(entry.cpuSpeedUp != nil && entry.candidate.cpuSeconds.count == entry.candidate.steps.count)
    }
  }

  @Test("A load change beyond max(0.5, cores / 4) is flagged")
  func loadFlag() {
    #expect(!LoadSummary(lowest: 1.0, highest: 1.4, cores: 2, readings: 5).changed)
    #expect(LoadSummary(lowest: 1.0, highest: 1.6, cores: 2, readings: 5).changed)
    #expect(!LoadSummary(lowest: 1.0, highest: 2.9, cores: 8, readings: 5).changed)
    #expect(LoadSummary(lowest: 1.0, highest: 3.1, cores: 8, readings: 5).changed)
  }
}

@Suite("Evaluation schedule")
struct EvaluationScheduleTests {
  @Test("Geometric and explicit schedules, merged with every-N and the last step")
  func steps() {
    #expect(EvaluationSchedule.geometric(first: 10, ratio: 1.5).steps(upTo: 100) == [10, 15, 23, 34, 51, 76])
    #expect(EvaluationSchedule.geometric(first: 1, ratio: 1.2).steps(upTo: 6) == [1, 2, 3, 4, 5, 6])
    #expect(EvaluationSchedule.steps([30, 5, 5, 500]).steps(upTo: 100) == [5, 30])
    var evaluation = try! miniature().evaluation
    evaluation.every = 40
    evaluation.schedule = .geometric(first: 10, ratio: 2)
    #expect(evaluation.evaluationSteps(total: 100) == [10, 20, 40, 80, 100])
    // Spacing of a geometric schedule with ratio r is about (r - 1) / r of the step.
    let dense = EvaluationSchedule.geometric(first: 10, ratio: 1.1).steps(upTo: 3000)
    for (a, b) in zip(dense, dense.dropFirst()) where a >= 20 { #expect(Double(b - a) / Double(b) <= 0.1 + 1.0 / Double(b)) }
  }

  @Test("Suite files: a schedule and curveSamples parse; bad ones name the key")
  func parsing() throws {
    let base = try String(contentsOf: repositoryRoot().appendingPathComponent("Benchmarks/Suites/smoke.json"), encoding: .utf8)
    #expect(base.contains("\"every\": 50"))
    let good = base.replacingOccurrences(of: "\"every\": 50", with: "\"every\": 50, \"schedule\": {\"geometric\": {\"first\": 10, \"ratio\": 1.25}}, \"curveSamples\": 128")
    let suite = try SuiteParser.parse(bytes: Array(good.utf8), name: "smoke", file: "smoke.json")
    #expect(suite.evaluation.schedule == .geometric(first: 10, ratio: 1.25) && suite.evaluation.curveSamples == 128)
    let list = base.replacingOccurrences(of: "\"every\": 50", with: "\"every\": 50, \"schedule\": [5, 10]")
    #expect(try SuiteParser.parse(bytes: Array(list.utf8), name: "smoke", file: "smoke.json").evaluation.schedule == .steps([5, 10]))
    for bad in ["\"schedule\": {\"geometric\": {\"first\": 10, \"ratio\": 1}}",
                "\"schedule\": {\"geometric\": {\"first\": 1, \"ratio\": 1.000000000000001}}", "\"schedule\": [0]", "\"schedule\": [100000]",
                "\"schedule\": {\"linear\": 3}", "\"curveSamples\": 1", "\"curveSamples\": 100000"] {
      let text = base.replacingOccurrences(of: "\"every\": 50", with: "\"every\": 50, " + bad)
      do {
        _ = try SuiteParser.parse(bytes: Array(text.utf8), name: "smoke", file: "smoke.json")
        Issue.record("accepted \(bad)")
      } catch {
        let key = bad.contains("schedule") ? "schedule" : "curveSamples"
        #expect("\(error)".contains(key) && "\(error)".contains("smoke.json"), "\(error)")
      }
    }
  }

  @Test("A run evaluates on the schedule, on curveSamples, and on the full set at the end; reaches carry their resolution")
  func run() throws {
    var suite = try miniature(cells: [.ctm, .analytic], steps: 40)
    suite.evaluation.every = 20
    suite.evaluation.schedule = .steps([3, 7, 12])
    suite.evaluation.curveSamples = 64
    let results = try runInMemory(suite)
    for run in results.runs {
      #expect(run.evaluations.map { $0.step } == [3, 7, 12, 20, 40])
      let last = try #require(run.evaluations.last)
      #expect(last.metrics.contains { $0.name == "sw2-full" } && last.metrics.contains { $0.name == "sw2" })
      #expect(run.evaluations.dropLast().allSatisfy { !$0.metrics.contains { $0.name.hasSuffix("-full") } })
      // The curve metric on 64 samples differs from the full-set one on all of them.
      #expect(last.value(of: MetricKey(name: "sw2", nfe: 2)) != last.value(of: MetricKey(name: "sw2-full", nfe: 2)))
      // A target first reached at step 12 was crossed in (7, 12]: resolution 5/12.
      let reachable = QualityTarget(metric: "sw2", nfe: 2, threshold: 1e9)
      let reach = try #require(TimeToTarget.reach(of: reachable, in: run))
      #expect(reach.step == 3 && reach.previousStep == 0 && reach.relativeSpacing == 1)
      if let value = run.evaluations[2].value(of: MetricKey(name: "sw2", nfe: 2)),
         let before = run.evaluations[1].value(of: MetricKey(name: "sw2", nfe: 2)),
         let earlier = run.evaluations[0].value(of: MetricKey(name: "sw2", nfe: 2)), value < min(before, earlier) {
        let target = QualityTarget(metric: "sw2", nfe: 2, threshold: value)
        let crossing = try #require(TimeToTarget.reach(of: target, in: run))
        #expect(crossing.step == 12 && crossing.previousStep == 7)
        expectClose(crossing.relativeSpacing, 5.0 / 12.0, relative: 1e-12)
      }
    }
  }
}

@Suite("Divergence: absolute scale")
struct DivergenceScaleTests {
  @Test("A loss above factor x sigmaData^2 diverges at any step, even when it started there")
  func absolute() {
    var rule = DivergenceRule(factor: 1000, lossScale: 0.25)
    let sane = rule.check(loss: 249, step: 1)
    let blown = rule.check(loss: 9e9, step: 2)
    #expect(sane == nil)
    #expect(blown?.contains("data variance") == true, "\(blown ?? "nil")")
    var edge = DivergenceRule(factor: 1000, lossScale: 0.25)
    let justAbove = edge.check(loss: 251, step: 1)
    #expect(justAbove?.contains("1000x the data variance") == true, "\(justAbove ?? "nil")")
    var unscaled = DivergenceRule(factor: 1000)
    let kept = unscaled.check(loss: 9e9, step: 1)
    #expect(kept == nil)
  }
}
