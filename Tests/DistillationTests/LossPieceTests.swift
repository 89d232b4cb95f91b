import Foundation
import Testing
import Autodiff
import Diffusion
import Distillation
import TensorCore
import TestSupport

/// The DSM loss and CTM's adaptive weight as values, against hand-computed cases.
@Suite("Loss pieces: DSM loss and adaptive weight")
struct LossPieceTests {
  @Test("The EDM-weighted DSM loss of a hand-computed case")
  func denoisingLoss() {
    // sigmaData = 0.5; sigma = 0.5: lambda = (0.25 + 0.25) / (0.25 * 0.25) = 8; sigma = 2: lambda = (4 + 0.25) / 1 = 4.25.
    // Squared errors: row 0 (0.1^2, 0.2^2) = (0.01, 0.04); row 1 (1^2, 0.5^2) = (1, 0.25).
    // Mean of weighted squares: (8 * 0.05 + 4.25 * 1.25) / 4 = (0.4 + 5.3125) / 4 = 1.428125.
    let denoised = Variable(Tensor(shape: [2, 2], scalars: [1.1, 0.2, -1, 0.5]))
    let target = Variable(Tensor(shape: [2, 2], scalars: [1.0, 0.0, 0, 0]))
    let loss = DenoisingLoss.value(denoised: denoised, target: target, noiseLevels: [0.5, 2],
      preconditioning: EDMPreconditioning(sigmaData: 0.5))
    expectClose(Double(loss.value.scalar), 1.428125, relative: 1e-6)
    // Its gradient with respect to D: 2 lambda (D - y) / count.
    let tape = Tape()
    let d = tape.variable(denoised.value)
    let g = tape.gradients(of: DenoisingLoss.value(denoised: d, target: target, noiseLevels: [0.5, 2],
      preconditioning: EDMPreconditioning(sigmaData: 0.5)))[d]
    let expected: [Double] = [2 * 8 * 0.1 / 4, 2 * 8 * 0.2 / 4, 2 * 4.25 * -1 / 4, 2 * 4.25 * 0.5 / 4]
    for i in 0..<4 { expectClose(Double(g.scalars[i]), expected[i], relative: 1e-5, "dL/dD[\(i)]") }
  }

  @Test("EDM's training noise levels: ln sigma ~ N(-1.2, 1.2^2)")
  func noiseLevels() {
    #expect(DenoisingLoss.logNoiseMean == -1.2 && DenoisingLoss.logNoiseStandardDeviation == 1.2)
    expectClose(DenoisingLoss.logNormalLevel(standardNormal: 0), exp(-1.2), relative: 1e-15)
    expectClose(DenoisingLoss.logNormalLevel(standardNormal: 1), 1, relative: 1e-15)
    expectClose(DenoisingLoss.logNormalLevel(standardNormal: -0.5, mean: 0, standardDeviation: 2), exp(-1), relative: 1e-15)
  }

  @Test("CTM's adaptive weight |grad CTM| / (|grad DSM| + 1e-4), clamped to [0, 1e4], 0 when undefined")
  func adaptiveWeight() {
    let w = DenoisingLossWeighting.adaptiveWeight
    expectClose(w(3, 1), 3 / 1.0001, relative: 1e-15)
    expectClose(w(0.02, 0.5), 0.02 / 0.5001, relative: 1e-15)
    #expect(w(0, 2) == 0)
    #expect(w(1, 0) == 1e4)
    #expect(w(1e9, 1) == 1e4)
    #expect(w(.nan, 1) == 0)
    #expect(w(.infinity, 1) == 1e4)
    #expect(w(1, .infinity) == 0)
  }

  @Test("The trainer applies the adaptive weight it reports: a step's DSM weight is neither 1 nor the clamp")
  func trainerWeight() {
    var trainer = makeTrainer(.ctm, steps: 3)
    for _ in 0..<3 {
      let report = trainer.trainStep()
      #expect(report.denoisingWeight > 0 && report.denoisingWeight < 1e4 && report.denoisingWeight != 1,
        "adaptive weight \(report.denoisingWeight)")
    }
  }
}
