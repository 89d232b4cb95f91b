import Foundation
import Testing
import Autodiff
import Diffusion
import Distillation
import NeuralNet
import TensorCore
import TestSupport

/// A network teacher whose Jacobian trace is computed exactly, one vector-Jacobian product per
/// input dimension (`tr J = sum_i (J^T e_i)_i`): the reference for Hutchinson's estimate.
struct ExactJacobianTeacher: ExactTraceDenoiser {
  let network: NetworkDenoiser
  var sampleShape: [Int] { network.sampleShape }

  func denoise(_ x: Tensor, noiseLevels: [Double]) -> Tensor { network.denoise(x, noiseLevels: noiseLevels) }

  func denoiseWithTrace(_ x: Tensor, noiseLevels t: [Double]) -> (denoised: Tensor, trace: [Double]) {
    let rows = x.shape[0]
    let d = x.count / rows
    var trace = [Double](repeating: 0, count: rows)
    var denoised = Tensor(zeros: x.shape)
    for i in 0..<d {
      let tape = Tape()
      let input = tape.variable(x)
      let output = network.denoise(input, noiseLevels: t)
      denoised = output.value
      var basis = [Float](repeating: 0, count: x.count)
      for b in 0..<rows { basis[b * d + i] = 1 }
      let row = tape.gradients(of: output, seed: Tensor(shape: x.shape, scalars: basis))[input]
      for b in 0..<rows { trace[b] += Double(row.scalars[b * d + i]) }
    }
    return (denoised, trace)
  }
}

/// A small MLP teacher with every parameter drawn at random (the initial output layer is zero,
/// which would make the Jacobian a multiple of the identity and Hutchinson's estimate exact).
func randomNetworkTeacher(dimension: Int) -> NetworkDenoiser {
  let architecture = NetworkArchitecture.mlp(MLPConfiguration(dataDimension: dimension, hiddenWidths: [16, 16],
    embeddingFeatures: 4, conditioningWidth: 8))
  var (network, parameters) = architecture.build(timeInputs: 1, seed: 17)
  for (i, tensor) in parameters.tensors.enumerated() {
    parameters.tensors[i] = RandomStream(seed: 40 + UInt64(i), purpose: .testing).normalTensor(shape: tensor.shape).scaled(by: 0.25)
  }
  return NetworkDenoiser(network: network, parameters: parameters, preconditioning: EDMPreconditioning(sigmaData: 0.5))
}

@Suite("Analytic-Precond statistics of network teachers")
struct HutchinsonTests {
  @Test("Hutchinson's trace is unbiased: its mean over probes is within 4 standard errors of the exact trace")
  func hutchinsonAgainstExact() {
    let dimension = 4
    let teacher = randomNetworkTeacher(dimension: dimension)
    let rows = 6
    let x = RandomStream(seed: 3, purpose: .testing).normalTensor(shape: [rows, dimension]).scaled(by: 1.5)
    let t = [0.05, 0.3, 0.8, 1.5, 4, 20]
    let exact = ExactJacobianTeacher(network: teacher).denoiseWithTrace(x, noiseLevels: t).trace
    let probes = 400
    // One probe at a time (probe p of point 0 is point p with one probe), for a standard error.
    var singles = [[Double]](repeating: [], count: rows)
    for p in 0..<probes {
      let values = AnalyticStatistics.hutchinsonTrace(of: teacher, at: x, noiseLevels: t, probes: 1, seed: 5, point: p, firstSample: 0)
      for b in 0..<rows { singles[b].append(values[b]) }
    }
    let averaged = AnalyticStatistics.hutchinsonTrace(of: teacher, at: x, noiseLevels: t, probes: probes, seed: 5, point: 0, firstSample: 0)
    var spread = 0.0
    var networkPart = 0.0
    for b in 0..<rows {
      let mean = singles[b].reduce(0, +) / Double(probes)
      let variance = singles[b].reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(probes - 1)
      let standardError = (variance / Double(probes)).squareRoot()
      spread += variance
      networkPart = max(networkPart, abs(exact[b] - Double(dimension) * teacher.preconditioning.cSkip(t[b])))
      expectClose(averaged[b], mean, relative: 1e-9, "row \(b): the probes' mean")
      #expect(abs(mean - exact[b]) <= 4 * standardError + 1e-6,
        "row \(b) (t = \(t[b])): Hutchinson \(mean) +- \(standardError), exact \(exact[b])")
      // Where the trace is not small, a doubled (or halved) estimate is far outside the interval.
      if t[b] <= 1.5 {
        #expect(abs(exact[b]) > 20 * standardError, "row \(b): trace \(exact[b]) too small to check")
      }
    }
    // A random network's Jacobian is not diagonal, so the estimate does vary between probes, and
    // the trace is not just d cSkip(t).
    #expect(spread > 1e-4)
    #expect(networkPart > 0.01)
  }

  @Test("Statistics of a network teacher with Hutchinson traces agree with those of exact traces")
  func statisticsAgainstExact() {
    let dimension = 3
    let teacher = randomNetworkTeacher(dimension: dimension)
    let data = RandomStream(seed: 8, purpose: .testing).normalTensor(shape: [256, dimension]).scaled(by: 0.5)
    let configuration = StatisticsConfiguration(lambdaCount: 8, samplesPerPoint: 256, hutchinsonProbes: 16, batchSize: 128)
    let estimated = AnalyticStatistics.estimate(teacher: teacher, data: data, configuration: configuration, seed: 4)
    let exact = AnalyticStatistics.estimate(teacher: ExactJacobianTeacher(network: teacher), data: data,
      configuration: configuration, seed: 4)
    // Same samples, so the only difference is the probes: with 16 probes on 256 samples the
    // relative error of l is well under 1% here (measured: below 0.3%).
    for j in 0..<configuration.lambdaCount {
      expectClose(estimated.linear[j], exact.linear[j], relative: 0.01, absolute: 1e-4, "l at lambda \(exact.lambdas[j])")
      if ProcessInfo.processInfo.environment["PRECOND_BENCH_VERBOSE_TESTS"] != nil {
        print("lambda \(exact.lambdas[j]): l \(estimated.linear[j]) vs \(exact.linear[j]), s \(estimated.growth[j]) vs \(exact.growth[j])")
      }
      expectClose(estimated.growth[j], exact.growth[j], relative: 0.05, absolute: 0.02, "s at lambda \(exact.lambdas[j])")
    }
  }
}
