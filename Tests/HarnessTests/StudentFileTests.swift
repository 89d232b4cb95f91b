import Foundation
import Testing
import Distillation
import Harness
import TensorCore
import TestSupport

@Suite("kept students (docs/harness.md, \"Students and samples\")")
struct StudentFileTests {
  @Test("A completed run keeps its EMA student; read back, it reproduces the final metrics bit for bit; keeping it changes no number")
  func kept() throws {
    let suite = try miniature(cells: [.ctm, .analytic], steps: 20)
    let directory = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let students = directory.appendingPathComponent("students").path
    let keeping = InMemoryResultSink(), plain = InMemoryResultSink()
    var withStudents = options(checkpoints: directory)
    withStudents.studentDirectory = students
    _ = try SuiteRunner.run(suite, sink: keeping, options: withStudents)
    _ = try SuiteRunner.run(suite, sink: plain, options: options(checkpoints: directory))
    // The same recorded numbers with and without keeping the students.
    let a = evaluations(keeping, suite: suite.name), b = evaluations(plain, suite: suite.name)
    #expect(a.count == 2 && a.count == b.count)
    for (x, y) in zip(a, b) {
      #expect(x.map { $0.loss.bitPattern } == y.map { $0.loss.bitPattern })
      #expect(x.map { $0.metrics.map { $0.value.bitPattern } } == y.map { $0.metrics.map { $0.value.bitPattern } })
    }
    // One file per completed run, none without the option.
    let files = try FileManager.default.contentsOfDirectory(atPath: students).sorted()
    #expect(files.count == 2 && files.allSatisfy { $0.hasPrefix("\(suite.name)-") && $0.hasSuffix("-seed1.ckpt") }, "\(files)")

    let problem = try PreparedProblem.prepare(suite.problems[0], student: suite.student, evaluation: suite.evaluation,
      options: options(checkpoints: directory).preparation)
    let evaluator = Evaluator(problem: problem, specification: suite.evaluation)
    for result in keeping.results(suite: suite.name)?.runs ?? [] {
      let cell = result.run.cell
      let kept = try KeptStudent(contentsOf: StudentFile.path(directory: students, suite: suite.name, specHash: cell.specHash,
        seed: cell.seed))
      #expect(kept.specHash == cell.specHash && kept.step == suite.training.steps && kept.sampleShape == [2])
      let method = try #require(DistillationMethod(rawValue: cell.method))
      let metrics = try evaluator.evaluate(student: kept.student, parameters: kept.parameters, sampler: kept.sampler, method: method,
        samples: suite.evaluation.curveSamples)
      let recorded = try #require(result.finalEvaluation).metrics.filter { !$0.name.hasSuffix(EvaluationSpecification.fullSetSuffix) }
      #expect(metrics.sorted { ($0.name, $0.nfe) < ($1.name, $1.nfe) }.map { $0.value.bitPattern }
        == recorded.sorted { ($0.name, $0.nfe) < ($1.name, $1.nfe) }.map { $0.value.bitPattern }, "\(cell.preconditioning)")
      // Batched samples (two batches): the same for 1 and 2 threads.
      var one = [Float](), two = [Float]()
      ComputeThreads.withCount(1) { kept.samples(count: 300, nfe: 2) { batch, _ in one += batch.scalars } }
      ComputeThreads.withCount(2) { kept.samples(count: 300, nfe: 2) { batch, _ in two += batch.scalars } }
      #expect(one.count == 600 && one.map(\.bitPattern) == two.map(\.bitPattern))
    }
    // A damaged file is an error naming it.
    let damaged = directory.appendingPathComponent("damaged.ckpt").path
    try Data("PBCKPT1\nnot really".utf8).write(to: URL(fileURLWithPath: damaged))
    do {
      _ = try KeptStudent(contentsOf: damaged)
      Issue.record("a damaged student file was read")
    } catch {
      #expect("\(error)".contains(damaged), "\(error)")
    }
  }
}
