import Foundation
import Testing
import Autodiff
import Diffusion
import Distillation
import NeuralNet
import TensorCore
import TestSupport

let mixture = GaussianMixtureTeacher(components: [
  MixtureComponent(weight: 0.5, mean: [1.0, 1.0], variance: 0.05),
  MixtureComponent(weight: 0.5, mean: [-1.0, 0.5], variance: 0.05),
])

func makeTrainer(_ preconditioning: Preconditioning, method: DistillationMethod = .ctm, steps: Int = 10, dsm: DenoisingLossWeighting = .adaptive) -> DistillationTrainer {
  let data = mixture.sample(count: 512, stream: RandomStream(seed: 1, purpose: .datasetSynthesis))
  let architecture = NetworkArchitecture.mlp(MLPConfiguration(dataDimension: 2, hiddenWidths: [32, 32], embeddingFeatures: 8, conditioningWidth: 16))
  let (network, parameters) = architecture.build(timeInputs: 2, seed: 5, zeroExtraTimeInputs: false)
  let configuration = DistillationConfiguration(method: method, preconditioning: preconditioning, gridCount: 10, steps: steps, batchSize: 16,
    denoisingLoss: dsm, seed: 9, sigmaData: mixture.standardDeviation,
    statistics: StatisticsConfiguration(lambdaCount: 16, samplesPerPoint: 64))
  let statistics = preconditioning.needsStatistics
    ? AnalyticStatistics.estimate(teacher: mixture, data: data, configuration: configuration.statistics, seed: 2) : nil
  return DistillationTrainer(configuration: configuration, teacher: mixture, data: data, network: network,
    initialParameters: parameters, statistics: statistics)
}

@Suite("Distillation training")
struct TrainerTests {
  @Test("The CTM and CD losses of the exact flow map are zero up to solver error")
  func exactFlowLoss() {
    // Single Gaussian: the flow map is closed form, Phi_{t->s}(x) = mu + r (x - mu).
    let v = sigmaData * sigmaData
    func flowMap(_ x: Variable, _ t: [Double], _ s: [Double], _ role: JumpRole) -> Variable {
      let rows = x.shape[0]
      var out = [Float](repeating: 0, count: x.value.count)
      for b in 0..<rows {
        let r = ((s[b] * s[b] + v) / (t[b] * t[b] + v)).squareRoot()
        for i in 0..<2 { out[b * 2 + i] = Float(gaussianMean[i] + r * (Double(x.value.scalars[b * 2 + i]) - gaussianMean[i])) }
      }
      return Variable(Tensor(shape: x.shape, scalars: out))
    }
    let clean = gaussian.sample(count: 256, stream: RandomStream(seed: 4, purpose: .testing))
    let noise = RandomStream(seed: 5, purpose: .testing).normalTensor(shape: [256, 2])
    let grid = KarrasGrid(count: 18).times
    for method in DistillationMethod.allCases {
      for step in 0..<5 {
        let pair = ConsistencyObjective.pair(method: method, clean: clean, noise: noise, grid: grid, tMin: NoiseRange.tMin,
          maxJump: 17, seed: 3, step: step, flow: ProbabilityFlow(gaussian), jump: flowMap)
        let loss = (pair.estimate.value - pair.target.value).sumOfSquares() / Double(clean.count)
        // With the exact map, estimate - target = r(u -> tMin) (Heun^k(x_t) - Phi_{t->u}(x_t)):
        // the teacher solver's error carried to tMin, and nothing else.
        let d = pair.draw
        let xt = clean + noise.scaledRows(by: d.t)
        let solved = ProbabilityFlow(gaussian).heunSteps(xt, grid: grid, start: d.start, steps: d.k)
        let exact = flowMap(Variable(xt), d.t, d.u, .online).value
        var expected = 0.0
        for b in 0..<256 {
          let r2 = (NoiseRange.tMin * NoiseRange.tMin + v) / (d.u[b] * d.u[b] + v)
          for i in 0..<2 { let e = Double(solved.scalars[b * 2 + i] - exact.scalars[b * 2 + i]); expected += r2 * e * e }
        }
        expected /= Double(clean.count)
        expectClose(loss, expected, relative: 1e-3, absolute: 1e-9, "\(method) step \(step), k = \(d.k)")
        #expect(loss < 2e-3, "\(method) step \(step): solver error \(loss)")
      }
    }
    // A wrong map (identity) has a large loss: the check can fail.
    let pair = ConsistencyObjective.pair(method: .ctm, clean: clean, noise: noise, grid: grid, tMin: NoiseRange.tMin,
      maxJump: 17, seed: 3, step: 0, flow: ProbabilityFlow(gaussian)) { x, _, _, _ in x }
    #expect((pair.estimate.value - pair.target.value).sumOfSquares() / Double(clean.count) > 1e-3)
  }

  @Test("Training lowers the CTM loss for ctm and analytic", arguments: [Preconditioning.ctm, .analytic])
  func lowers(preconditioning: Preconditioning) {
    var trainer = makeTrainer(preconditioning, steps: 200)
    var losses = [Double]()
    for _ in 0..<200 {
      let report = trainer.trainStep()
      #expect(report.isFinite)
      losses.append(report.consistencyLoss)
    }
    let first = losses.prefix(40).reduce(0, +), last = losses.suffix(40).reduce(0, +)
    #expect(last < first, "\(preconditioning): \(first / 40) -> \(last / 40)")
  }

  @Test("Resume from a checkpoint equals uninterrupted training bit for bit; 1 and 2 threads agree",
    arguments: [(Preconditioning.analytic, DistillationMethod.ctm), (.edm, .cd), (.analyticBackward, .cd)])
  func resumeAndThreads(arguments: (Preconditioning, DistillationMethod)) throws {
    let (preconditioning, method) = arguments
    var straight = makeTrainer(preconditioning, method: method)
    var losses = [UInt64]()
    for _ in 0..<10 { losses.append(straight.trainStep().consistencyLoss.bitPattern) }
    var first = makeTrainer(preconditioning, method: method)
    for _ in 0..<4 { _ = first.trainStep() }
    let bytes = try first.checkpoint().serialized()
    var resumed = makeTrainer(preconditioning, method: method)
    try resumed.restore(from: Checkpoint(bytes: bytes))
    var resumedLosses = losses.prefix(4).map { $0 }
    for _ in 4..<10 { resumedLosses.append(resumed.trainStep().consistencyLoss.bitPattern) }
    #expect(resumedLosses == losses)
    #expect(resumed.parameters.checksum == straight.parameters.checksum)
    #expect(resumed.evaluation.checksum == straight.evaluation.checksum)
    let threaded = ComputeThreads.withCount(2) { () -> String in
      var trainer = makeTrainer(preconditioning, method: method)
      for _ in 0..<10 { _ = trainer.trainStep() }
      return trainer.parameters.checksum
    }
    #expect(threaded == straight.parameters.checksum)
  }

  @Test("Samplers: deterministic CTM multistep lands in the data; CM multistep and gamma-sampling run and differ")
  func samplers() {
    var trainer = makeTrainer(.ctm, steps: 1)
    _ = trainer.trainStep()
    let z = RandomStream(seed: 7, purpose: .samplingNoise).normalTensor(shape: [8, 2])
    for kind in SamplerKind.allCases {
      let (samples, states) = trainer.student.sample(noise: z, nfe: 3, sampler: SamplerConfiguration(kind: kind, gamma: 0.5),
        parameters: trainer.evaluation, seed: 1)
      #expect(states.count == 3 && samples.shape == [8, 2] && samples.isFinite)
    }
  }

  @Test("Consistency gap is zero where the preconditioning is exact and the jump error matches the gap's definition")
  func gap() {
    let clean = gaussian.sample(count: 128, stream: RandomStream(seed: 8, purpose: .testing))
    let analytic = Jumper(preconditioning: .analytic, sigmaData: sigmaData, statistics: gaussianStatistics())
    let ctm = Jumper(preconditioning: .ctm, sigmaData: sigmaData)
    let exact = Diagnostics.consistencyGap(jumper: analytic, teacher: gaussian, clean: clean, t: 10, s: 0.5, seed: 1, substeps: 200)
    let first = Diagnostics.consistencyGap(jumper: ctm, teacher: gaussian, clean: clean, t: 10, s: 0.5, seed: 1, substeps: 200)
    #expect(exact.jumpError < 1e-4 && exact.gap < 1e-4, "\(exact)")
    #expect(first.jumpError > 100 * exact.jumpError, "ctm \(first) vs analytic \(exact)")
  }
}
