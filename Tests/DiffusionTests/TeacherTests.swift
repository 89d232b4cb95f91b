import Foundation
import Testing
import Diffusion
import NeuralNet
import TensorCore
import TestSupport

let twoModes = GaussianMixtureTeacher(components: [
  MixtureComponent(weight: 0.3, mean: [1.5, -0.5], variance: 0.04),
  MixtureComponent(weight: 0.7, mean: [-1.0, 1.0], variance: 0.25),
])

@Suite("Karras grid and probability-flow solvers")
struct FlowTests {
  @Test("Karras grid: endpoints, monotone, EDM formula")
  func grid() {
    let g = KarrasGrid(count: 18)
    let t = g.times
    #expect(t.first == 80 && t.last == 0.002)
    #expect(zip(t, t.dropFirst()).allSatisfy { $0 > $1 })
    let a = pow(80.0, 1 / 7.0), b = pow(0.002, 1 / 7.0)
    expectClose(t[5], pow(a + 5.0 / 17.0 * (b - a), 7), relative: 1e-12)
  }

  @Test("Heun on a single Gaussian follows the closed-form flow x_s = mu + sqrt((s^2+v)/(t^2+v)) (x_t - mu)")
  func singleGaussian() {
    let mu = [0.7, -0.3]
    let v = 0.25
    let teacher = GaussianMixtureTeacher(components: [MixtureComponent(weight: 1, mean: mu, variance: v)])
    let flow = ProbabilityFlow(teacher)
    let x = RandomStream(seed: 1, purpose: .testing).normalTensor(shape: [4, 2]).scaled(by: 30)
    let t = [80.0, 80, 10, 1]
    let s = [0.002, 1, 0.5, 0.01]
    let solved = flow.solve(x, from: t, to: s, substeps: 400)
    for b in 0..<4 {
      let ratio = ((s[b] * s[b] + v) / (t[b] * t[b] + v)).squareRoot()
      for i in 0..<2 {
        let exact = mu[i] + ratio * (Double(x.scalars[b * 2 + i]) - mu[i])
        expectClose(Double(solved.scalars[b * 2 + i]), exact, relative: 1e-3, absolute: 1e-3)
      }
    }
    // The EDM sampler over an 18-point grid lands near the data (its error is the sampler's).
    let z = RandomStream(seed: 2, purpose: .testing).normalTensor(shape: [2, 2])
    let sample = flow.sample(noise: z, grid: KarrasGrid(count: 18))
    for b in 0..<2 {
      let ratio = ((0.002 * 0.002 + v) / (6400 + v)).squareRoot()
      for i in 0..<2 {
        let exact = mu[i] + ratio * (80 * Double(z.scalars[b * 2 + i]) - mu[i])
        expectClose(Double(sample.scalars[b * 2 + i]), exact, absolute: 0.05)
      }
    }
  }
}

@Suite("Analytic teachers")
struct AnalyticTeacherTests {
  @Test("GMM denoiser matches a Monte-Carlo posterior mean", arguments: [0.3, 1.0, 3.0])
  func monteCarlo(t: Double) {
    let x = [0.4, 0.2]
    let prior = twoModes.sample(count: 200_000, stream: RandomStream(seed: 3, purpose: .testing))
    var weightSum = 0.0
    var mean = [0.0, 0.0]
    var logWeights = [Double](repeating: 0, count: 200_000)
    for i in 0..<200_000 {
      let dx = x[0] - Double(prior.scalars[2 * i]), dy = x[1] - Double(prior.scalars[2 * i + 1])
      logWeights[i] = -(dx * dx + dy * dy) / (2 * t * t)
    }
    let top = logWeights.max()!
    for i in 0..<200_000 {
      let w = Foundation.exp(logWeights[i] - top)
      weightSum += w
      mean[0] += w * Double(prior.scalars[2 * i])
      mean[1] += w * Double(prior.scalars[2 * i + 1])
    }
    let exact = twoModes.posterior(x, t: t).denoised
    expectClose(mean[0] / weightSum, exact[0], absolute: 0.02)
    expectClose(mean[1] / weightSum, exact[1], absolute: 0.02)
  }

  @Test("Exact Jacobian trace matches central finite differences in Double", arguments: [0.002, 0.05, 0.5, 5, 80])
  func trace(t: Double) {
    let x = [0.3 + t * 0.2, -0.1]
    let exact = twoModes.posterior(x, t: t)
    var fd = 0.0
    let h = 1e-6 * max(t, 1e-2)
    for i in 0..<2 {
      var plus = x, minus = x
      plus[i] += h
      minus[i] -= h
      fd += (twoModes.posterior(plus, t: t).denoised[i] - twoModes.posterior(minus, t: t).denoised[i]) / (2 * h)
    }
    expectClose(exact.trace, fd, relative: 1e-4, absolute: 1e-5)
    #expect(exact.denoised.allSatisfy { $0.isFinite })
  }

  @Test("Stable at the ends of the noise range")
  func stability() {
    let far = twoModes.posterior([50, -40], t: 0.002)
    #expect(far.denoised.allSatisfy { $0.isFinite } && far.trace.isFinite)
    let huge = twoModes.posterior([100, 100], t: 80)
    expectClose(huge.denoised[0], twoModes.mean[0], absolute: 0.1)
  }

  @Test("Empirical teacher equals the mixture of its points (with and without bandwidth), at matrix-product speed", arguments: [0.0, 0.3])
  func empirical(bandwidth: Double) {
    let data = RandomStream(seed: 5, purpose: .testing).normalTensor(shape: [50, 3])
    let gmm = GaussianMixtureTeacher(components: (0..<50).map { k in
      MixtureComponent(weight: 1, mean: (0..<3).map { Double(data.scalars[k * 3 + $0]) }, variance: bandwidth * bandwidth)
    })
    let teacher = EmpiricalTeacher(data: data, bandwidth: bandwidth, blockRows: 3)
    let x = RandomStream(seed: 6, purpose: .testing).normalTensor(shape: [7, 3])
    let t = [0.05, 0.2, 0.5, 1, 2, 10, 80]
    let a = teacher.denoiseWithTrace(x, noiseLevels: t)
    let b = gmm.denoiseWithTrace(x, noiseLevels: t)
    expectClose(a.denoised, b.denoised, relative: 1e-4, absolute: 1e-4)
    for i in 0..<7 { expectClose(a.trace[i], b.trace[i], relative: 2e-3, absolute: 2e-3) }
  }
}

@Suite("Network teacher")
struct NetworkTeacherTests {
  static func configuration(steps: Int) -> TeacherTrainingConfiguration {
    TeacherTrainingConfiguration(
      architecture: .mlp(MLPConfiguration(dataDimension: 2, hiddenWidths: [64, 64], embeddingFeatures: 16, conditioningWidth: 32)),
      sigmaData: twoModes.standardDeviation, steps: steps, batchSize: 64,
      optimizer: OptimizerConfiguration(learningRate: 2e-3, warmupSteps: 20), emaRate: 0.99, seed: 4)
  }

  @Test("EDM training reduces the loss and approaches the exact denoiser; bit-identical for 1 and 2 threads; resume equals uninterrupted")
  func training() throws {
    let data = twoModes.sample(count: 4096, stream: RandomStream(seed: 8, purpose: .datasetSynthesis))
    func run(steps: Int, threads: Int) -> TeacherTrainer {
      ComputeThreads.withCount(threads) {
        var trainer = TeacherTrainer(configuration: Self.configuration(steps: steps), data: data)
        for _ in 0..<steps { trainer.trainStep() }
        return trainer
      }
    }
    var trainer = TeacherTrainer(configuration: Self.configuration(steps: 600), data: data)
    var losses = [Double]()
    for _ in 0..<600 { losses.append(trainer.trainStep()) }
    let early = losses.prefix(50).reduce(0, +) / 50, late = losses.suffix(50).reduce(0, +) / 50
    // The EDM loss keeps a large irreducible part; the denoiser error below is the real check.
    #expect(late < 0.9 * early, "EDM loss \(early) -> \(late)")
    // Against the exact denoiser at a mid noise level.
    let x = twoModes.sample(count: 256, stream: RandomStream(seed: 9, purpose: .testing))
      + RandomStream(seed: 10, purpose: .testing).normalTensor(shape: [256, 2])
    let t = [Double](repeating: 1, count: 256)
    let error = (trainer.denoiser.denoise(x, noiseLevels: t) - twoModes.denoise(x, noiseLevels: t)).sumOfSquares() / 512
    let baseline = (x.scaled(by: 0) - twoModes.denoise(x, noiseLevels: t)).sumOfSquares() / 512
    #expect(error < 0.1 * baseline, "teacher error \(error) vs trivial \(baseline)")

    let one = run(steps: 30, threads: 1)
    let two = run(steps: 30, threads: 2)
    #expect(one.parameters.checksum == two.parameters.checksum)
    var resumed = TeacherTrainer(configuration: Self.configuration(steps: 30), data: data)
    let halfway = run(steps: 12, threads: 1).checkpoint()
    let bytes = try halfway.serialized()
    try resumed.restore(from: Checkpoint(bytes: bytes))
    for _ in 12..<30 { resumed.trainStep() }
    #expect(resumed.parameters.checksum == one.parameters.checksum)
    #expect(resumed.averaged.checksum == one.averaged.checksum)
  }

  @Test("The cache trains once, resumes a partial run and reloads the same teacher")
  func cache() throws {
    let directory = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = twoModes.sample(count: 512, stream: RandomStream(seed: 8, purpose: .datasetSynthesis))
    let cache = TeacherCache(directory: directory.path)
    let configuration = Self.configuration(steps: 25)
    let first = try cache.trainOrLoad(configuration: configuration, data: data, dataHash: "abc", checkpointEvery: 10)
    #expect(!first.cached)
    let second = try cache.trainOrLoad(configuration: configuration, data: data, dataHash: "abc")
    #expect(second.cached && second.path == first.path)
    #expect(second.teacher.parameters.checksum == first.teacher.parameters.checksum)
    // A different data hash is a different teacher.
    #expect(TeacherCache.key(configuration: configuration, dataHash: "abd") != TeacherCache.key(configuration: configuration, dataHash: "abc"))
  }
}
