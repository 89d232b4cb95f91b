import Foundation
import Testing
import Diffusion
import Distillation
import NeuralNet
import TensorCore

// A golden training run (issue 11, item 5): a few CTM and CD steps of a tiny MLP student against
// the exact two-component mixture teacher, compared step by step with an independent float64
// NumPy implementation (Scripts/golden_run.py). The fixture Fixtures/golden-run.json holds the
// random inputs the Swift trainer drew (initial parameters, minibatches, noise, time draws, DSM
// levels and noise), the numbers NumPy computed from them, and how they were made, so this test
// runs without Python. Scripts/golden-run-check.sh re-derives the numbers when NumPy exists.
//
// The randomness is not under test; the formulas are: the MLP and its time conditioning, EDM's
// cSkip/cOut/cIn/cNoise, the jump coefficients, the teacher's Heun steps, the CTM/CD estimate and
// target with their parameter roles, the MSE, the DSM loss with the EDM and adaptive weights,
// backpropagation, Adam, and the two EMAs.
//
// Checked to fail (one-line mutations, each reverted): the CTM target's inner jump on theta- instead
// of sg(theta), the CTM estimate's outer jump on theta instead of theta-, the CD target on sg(theta)
// instead of theta-, and an adaptive weight forced to 1. Giving the target's inner jump the bound
// (differentiable) parameters changes nothing as long as the trainer also detaches the target
// before the MSE (each of the two guards suffices); removing both fails here.

/// One golden run's configuration.
struct GoldenRunSpec {
  let name: String
  let method: DistillationMethod
  let preconditioning: Preconditioning

  static let all = [
    GoldenRunSpec(name: "ctm-ctm", method: .ctm, preconditioning: .ctm),
    GoldenRunSpec(name: "cd-edm", method: .cd, preconditioning: .edm),
    GoldenRunSpec(name: "ctm-analytic", method: .ctm, preconditioning: .analytic),
  ]
  static let steps = 5

  /// A tiny trainer: MLP [8, 8], 8 Fourier features, conditioning width 8, batch 8, grid of 8,
  /// adaptive DSM, Adam at lr 1e-2 and fast EMAs (0.5 target, 0.9 evaluation) so that the target
  /// network differs from the student after one step and every parameter role shows in the losses.
  func trainer() -> DistillationTrainer {
    let data = mixture.sample(count: 64, stream: RandomStream(seed: 11, purpose: .datasetSynthesis))
    let architecture = NetworkArchitecture.mlp(MLPConfiguration(dataDimension: 2, hiddenWidths: [8, 8], embeddingFeatures: 8,
      conditioningWidth: 8))
    let (network, parameters) = architecture.build(timeInputs: 2, seed: 21, zeroExtraTimeInputs: false)
    let configuration = DistillationConfiguration(method: method, preconditioning: preconditioning, gridCount: 8,
      steps: Self.steps, batchSize: 8, optimizer: OptimizerConfiguration(learningRate: 1e-2), targetEMARate: 0.5,
      evaluationEMARate: 0.9, denoisingLoss: .adaptive, seed: 31, sigmaData: mixture.standardDeviation,
      statistics: StatisticsConfiguration(lambdaCount: 12, samplesPerPoint: 32))
    let statistics = preconditioning.needsStatistics
      ? AnalyticStatistics.estimate(teacher: mixture, data: data, configuration: configuration.statistics, seed: 41) : nil
    return DistillationTrainer(configuration: configuration, teacher: mixture, data: data, network: network,
      initialParameters: parameters, statistics: statistics)
  }
}

/// What NumPy needs: configuration numbers, initial parameters and every step's random inputs.
struct GoldenInputs: Codable, Equatable {
  struct Component: Codable, Equatable {
    var weight: Double
    var mean: [Double]
    var variance: Double
  }
  struct Parameter: Codable, Equatable {
    var name: String
    var shape: [Int]
    var values: [Double]
  }
  struct Statistics: Codable, Equatable {
    var lambdas: [Double]
    var linear: [Double]
    var growth: [Double]
  }
  struct Network: Codable, Equatable {
    var dataDimension: Int
    var hiddenWidths: [Int]
    var embeddingFeatures: Int
    var conditioningWidth: Int
    var lowestFrequency: Double
    var highestFrequency: Double
  }
  struct Step: Codable, Equatable {
    var clean: [[Double]]
    var noise: [[Double]]
    var t: [Double]
    var u: [Double]
    var s: [Double]
    var start: [Int]
    var k: Int
    var denoisingLevels: [Double]
    var denoisingNoise: [[Double]]
  }
  struct Run: Codable, Equatable {
    var name: String
    var method: String
    var preconditioning: String
    var sigmaData: Double
    var tMin: Double
    var grid: [Double]
    var learningRate: Double
    var beta1: Double
    var beta2: Double
    var epsilon: Double
    var targetEMARate: Double
    var evaluationEMARate: Double
    var denoisingLoss: String
    var lastLayer: String
    var mixture: [Component]
    var network: Network
    var statistics: Statistics?
    var parameters: [Parameter]
    var steps: [Step]
  }
  var runs: [Run]
}

/// The numbers NumPy computed, per run and step. Sums are over every element of a tensor, in the
/// parameter order of the inputs; displacements are `sum (p - p_initial)^2`.
struct GoldenExpected: Codable, Equatable {
  struct Summary: Codable, Equatable {
    var sumOfSquares: [Double]
    var displacement: [Double]
  }
  struct Step: Codable, Equatable {
    var consistencyLoss: Double
    var denoisingLoss: Double
    var denoisingWeight: Double
    var parameters: Summary
    var target: Summary
    var evaluation: Summary
  }
  struct Run: Codable, Equatable {
    var name: String
    var steps: [Step]
  }
  var runs: [Run]
}

struct GoldenFixture: Codable {
  var howMade: [String: String]
  var inputs: GoldenInputs
  var expected: GoldenExpected

  static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/golden-run.json")
}

private func rows(_ tensor: Tensor) -> [[Double]] {
  let width = tensor.count / tensor.shape[0]
  return (0..<tensor.shape[0]).map { r in (0..<width).map { Double(tensor.scalars[r * width + $0]) } }
}

private func summary(_ set: ParameterSet, from initial: ParameterSet) -> GoldenExpected.Summary {
  GoldenExpected.Summary(
    sumOfSquares: set.tensors.map { $0.sumOfSquares() },
    displacement: zip(set.tensors, initial.tensors).map { p, p0 in
      zip(p.scalars, p0.scalars).reduce(0.0) { sum, pair in
        let e = Double(pair.0) - Double(pair.1)
        return sum + e * e
      }
    })
}

/// Runs the golden configurations, returning the inputs they drew and what Swift computed (in the
/// shape of NumPy's output, so the two compare field by field).
func goldenRuns() -> (GoldenInputs, GoldenExpected) {
  var inputs = [GoldenInputs.Run]()
  var results = [GoldenExpected.Run]()
  for spec in GoldenRunSpec.all {
    var trainer = spec.trainer()
    let initial = trainer.parameters
    let c = trainer.configuration
    let statistics = trainer.student.jumper.statistics.map {
      GoldenInputs.Statistics(lambdas: $0.lambdas, linear: $0.linear, growth: $0.growth)
    }
    let guardName = "mlp.out.weight"
    precondition(initial.names.contains(guardName), "golden run: the MLP's last layer is not \(guardName)")
    let embedding = NoiseEmbedding(features: 8)
    var run = GoldenInputs.Run(
      name: spec.name, method: c.method.rawValue, preconditioning: c.preconditioning.rawValue, sigmaData: c.sigmaData,
      tMin: trainer.student.jumper.tMin, grid: trainer.grid, learningRate: c.optimizer.learningRate, beta1: c.optimizer.beta1,
      beta2: c.optimizer.beta2, epsilon: c.optimizer.epsilon, targetEMARate: c.targetEMARate,
      evaluationEMARate: c.evaluationEMARate, denoisingLoss: "adaptive", lastLayer: guardName,
      mixture: mixture.components.map { GoldenInputs.Component(weight: $0.weight, mean: $0.mean, variance: $0.variance) },
      network: GoldenInputs.Network(dataDimension: 2, hiddenWidths: [8, 8], embeddingFeatures: embedding.features,
        conditioningWidth: 8, lowestFrequency: embedding.lowestFrequency, highestFrequency: embedding.highestFrequency),
      statistics: statistics,
      parameters: zip(initial.names, initial.tensors).map { GoldenInputs.Parameter(name: $0, shape: $1.shape, values: $1.scalars.map(Double.init)) },
      steps: [])
    var steps = [GoldenExpected.Step]()
    for n in 0..<GoldenRunSpec.steps {
      let r = trainer.randomInputs(step: n)
      run.steps.append(GoldenInputs.Step(clean: rows(r.clean), noise: rows(r.noise), t: r.draw.t, u: r.draw.u, s: r.draw.s,
        start: r.draw.start, k: r.draw.k, denoisingLevels: r.denoisingLevels, denoisingNoise: rows(r.denoisingNoise)))
      let report = trainer.trainStep()
      steps.append(GoldenExpected.Step(consistencyLoss: report.consistencyLoss, denoisingLoss: report.denoisingLoss ?? 0,
        denoisingWeight: report.denoisingWeight, parameters: summary(trainer.parameters, from: initial),
        target: summary(trainer.target, from: initial), evaluation: summary(trainer.evaluation, from: initial)))
    }
    inputs.append(run)
    results.append(GoldenExpected.Run(name: spec.name, steps: steps))
  }
  return (GoldenInputs(runs: inputs), GoldenExpected(runs: results))
}

/// `|a - b| <= 1e-4 max(|a|, |b|)`, with a floor of 1e-12 for quantities that are zero.
private func relativeDifference(_ a: Double, _ b: Double) -> Double {
  let scale = max(abs(a), abs(b))
  return scale < 1e-12 ? 0 : abs(a - b) / scale
}

@Suite("Golden run against an independent NumPy implementation")
struct GoldenRunTests {
  static let tolerance = 1e-4

  @Test("CTM and CD steps (ctm, edm, analytic) match NumPy's float64 re-derivation to 1e-4 relative")
  func goldenRun() throws {
    let (inputs, actual) = goldenRuns()
    if let path = ProcessInfo.processInfo.environment["PRECOND_BENCH_GOLDEN_DUMP"], !path.isEmpty {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      try encoder.encode(inputs).write(to: URL(fileURLWithPath: path))
    }
    let fixture = try JSONDecoder().decode(GoldenFixture.self, from: Data(contentsOf: GoldenFixture.url))
    // The inputs must be the ones NumPy saw; if the trainer's draws changed, regenerate the fixture
    // (Scripts/golden-run-check.sh --update) rather than loosen the comparison.
    #expect(inputs == fixture.inputs,
      "the trainer's random inputs differ from the fixture's: regenerate with Scripts/golden-run-check.sh --update")
    guard inputs == fixture.inputs else { return }
    #expect(actual.runs.map(\.name) == fixture.expected.runs.map(\.name))
    for (run, expected) in zip(actual.runs, fixture.expected.runs) {
      let names = inputs.runs.first { $0.name == run.name }!.parameters.map(\.name)
      #expect(run.steps.count == GoldenRunSpec.steps && expected.steps.count == GoldenRunSpec.steps)
      var worst = [String: (difference: Double, at: String)]()
      // The first disagreement of each quantity (in step order, so the earliest step shows which
      // formula broke), reported once per run rather than once per number.
      var firstFailure = [String: String]()
      var failures = 0
      for (n, (a, e)) in zip(run.steps, expected.steps).enumerated() {
        func check(_ quantity: String, _ x: Double, _ y: Double, _ tensor: String = "") {
          let d = relativeDifference(x, y)
          let at = "step \(n)\(tensor.isEmpty ? "" : " " + tensor)"
          if d >= worst[quantity]?.difference ?? 0 { worst[quantity] = (d, at) }
          if !(d <= Self.tolerance) {
            failures += 1
            if firstFailure[quantity] == nil { firstFailure[quantity] = "\(at): Swift \(x), NumPy \(y) (relative \(d))" }
          }
        }
        check("consistency loss", a.consistencyLoss, e.consistencyLoss)
        check("DSM loss", a.denoisingLoss, e.denoisingLoss)
        check("DSM weight", a.denoisingWeight, e.denoisingWeight)
        for (set, x, y) in [("parameters", a.parameters, e.parameters), ("target", a.target, e.target),
                            ("evaluation", a.evaluation, e.evaluation)] {
          for (i, name) in names.enumerated() {
            check("\(set) sum of squares", x.sumOfSquares[i], y.sumOfSquares[i], name)
            check("\(set) displacement", x.displacement[i], y.displacement[i], name)
          }
        }
      }
      #expect(failures == 0, """
        golden run \(run.name): \(failures) numbers differ from NumPy by more than \(Self.tolerance) relative; first per quantity:
        \(firstFailure.sorted { $0.key < $1.key }.map { "  \($0.key) at \($0.value)" }.joined(separator: "\n"))
        """)
      print("golden run \(run.name): max relative difference " +
        worst.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1e", $0.value.difference)) (\($0.value.at))" }
          .joined(separator: ", "))
    }
  }
}
