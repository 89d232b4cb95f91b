import Foundation
import Testing
import Diffusion
import Distillation
import TensorCore
import TestSupport

/// An overlapping three-component mixture in three dimensions: its posterior responsibilities
/// vary with x at every noise level, so `l` and `s` have sampling noise to put error bars on.
let overlapping = GaussianMixtureTeacher(components: [
  MixtureComponent(weight: 0.4, mean: [1.0, 0.0, -0.5], variance: 0.3),
  MixtureComponent(weight: 0.35, mean: [-1.0, 0.5, 0.0], variance: 0.2),
  MixtureComponent(weight: 0.25, mean: [0.0, -1.0, 1.0], variance: 0.4),
])
let overlappingData = overlapping.sample(count: 4096, stream: RandomStream(seed: 7, purpose: .datasetSynthesis))

func overlappingEstimate(samples: Int, seed: UInt64, lambdaCount: Int = 24, tolerance: Double? = nil, cap: Int? = nil,
                         jumpTimes: [Double] = []) -> StatisticsEstimate {
  StatisticsEstimator.estimate(teacher: overlapping, data: overlappingData,
    configuration: StatisticsConfiguration(lambdaCount: lambdaCount, samplesPerPoint: samples, batchSize: 256, tolerance: tolerance,
      maxSamplesPerPoint: cap), seed: seed, jumpTimes: jumpTimes)
}

@Suite("Analytic-Precond statistics: error bars and convergence")
struct StatisticsEstimatorTests {
  @Test("The standard errors of l and s cover the exact statistics (a 64x larger estimate) at the stated rate")
  func coverage() {
    // The exact statistics of the estimator: its limit in the number of samples, approximated by
    // 64x the samples (its own error, 1/8 of the tested one, is included in the z score).
    let reference = overlappingEstimate(samples: 16384, seed: 1000)
    let (referenceL, referenceS) = (reference.linearError, reference.growthError)
    var z = [Double]()
    for seed in UInt64(1)...4 {
      let estimate = overlappingEstimate(samples: 256, seed: seed)
      let (errorL, errorS) = (estimate.linearError, estimate.growthError)
      for j in estimate.lambdas.indices {
        for (value, exact, error, exactError) in [
          (estimate.linear[j], reference.linear[j], errorL[j], referenceL[j]),
          (estimate.growth[j], reference.growth[j], errorS[j], referenceS[j]),
        ] {
          #expect(error > 0, "point \(j): a zero standard error")
          z.append(abs(value - exact) / (error * error + exactError * exactError).squareRoot())
        }
      }
    }
    let withinTwo = Double(z.filter { $0 <= 2 }.count) / Double(z.count)
    let withinOne = Double(z.filter { $0 <= 1 }.count) / Double(z.count)
    // Normal: 95.4% and 68.3%; the jackknife's 31 degrees of freedom make it slightly less.
    #expect(withinTwo >= 0.88 && withinTwo <= 0.995, "\(withinTwo) of \(z.count) within 2 standard errors")
    #expect(withinOne >= 0.55 && withinOne <= 0.82, "\(withinOne) of \(z.count) within 1 standard error")
  }

  @Test("Standard errors shrink like 1/sqrt(samples): 4x the samples halves them")
  func shrinkage() {
    let small = overlappingEstimate(samples: 256, seed: 11)
    let large = overlappingEstimate(samples: 1024, seed: 11)
    for (a, b) in [(small.linearError, large.linearError), (small.growthError, large.growthError)] {
      let ratios = zip(b, a).map { $0 / $1 }.sorted()
      let median = ratios[ratios.count / 2]
      #expect(median > 0.4 && median < 0.6, "median ratio \(median)")
    }
    let times = KarrasGrid(count: 8).times
    let smallB = small.worstJump(times: times)!.relativeError, largeB = large.worstJump(times: times)!.relativeError
    #expect(largeB / smallB > 0.3 && largeB / smallB < 0.7, "B: \(smallB) -> \(largeB)")
  }

  @Test("The convergence rule doubles the samples until B's relative standard error meets the tolerance")
  func converges() {
    let times = KarrasGrid(count: 8).times
    let first = overlappingEstimate(samples: 64, seed: 5, jumpTimes: times)
    #expect(first.cost.rounds == 1 && first.cost.converged == nil && first.cost.samplesPerPoint == 64)
    let initial = first.cost.maxRelativeErrorB!
    let tolerance = 0.6 * initial
    let converged = overlappingEstimate(samples: 64, seed: 5, tolerance: tolerance, jumpTimes: times)
    #expect(converged.cost.converged == true)
    #expect(converged.cost.rounds >= 2 && converged.cost.samplesPerPoint == 64 << (converged.cost.rounds - 1))
    #expect(converged.cost.maxRelativeErrorB! <= tolerance)
    #expect(converged.cost.maxRelativeErrorB == converged.worstJump(times: times)?.relativeError)
    #expect(converged.cost.seconds > 0 && converged.cost.probesPerSample == 0)
    // Later rounds extend the first one's samples: the result is the estimate at the final count
    // (up to the Float rounding of other batch splits, which s's central difference amplifies:
    // far below its error bar).
    let direct = overlappingEstimate(samples: converged.cost.samplesPerPoint, seed: 5, jumpTimes: times)
    for (a, (b, error)) in zip(converged.linear + converged.growth,
                               zip(direct.linear + direct.growth, direct.linearError + direct.growthError)) {
      #expect(abs(a - b) <= 0.1 * error + 1e-12, "\(a) vs \(b), standard error \(error)")
    }
  }

  @Test("The convergence rule stops at maxSamplesPerPoint and names the jump that did not converge")
  func failsAtCap() {
    let times = KarrasGrid(count: 8).times
    let estimate = overlappingEstimate(samples: 64, seed: 5, tolerance: 1e-6, cap: 200, jumpTimes: times)
    #expect(estimate.cost.converged == false)
    #expect(estimate.cost.rounds == 2 && estimate.cost.samplesPerPoint == 128)
    let worst = estimate.cost.worstJump!
    #expect(worst.relativeError > 1e-6 && times.contains(worst.t) && times.contains(worst.s) && worst.s < worst.t)
    #expect(worst.description.contains("jump t \(worst.t) -> s \(worst.s)"))
  }

  @Test("An estimate is bit-identical for 1 and 2 threads and fixed by its seed")
  func deterministic() {
    let one = ComputeThreads.withCount(1) { overlappingEstimate(samples: 64, seed: 3, lambdaCount: 8) }
    let two = ComputeThreads.withCount(2) { overlappingEstimate(samples: 64, seed: 3, lambdaCount: 8) }
    #expect((one.linear + one.growth).map { $0.bitPattern } == (two.linear + two.growth).map { $0.bitPattern })
    #expect(one.linearReplicates == two.linearReplicates && one.growthReplicates == two.growthReplicates)
  }
  @Test("An estimate continued from any checkpoint (mid-round, at a round's start, after its last point) equals the uninterrupted one")
  func resumes() throws {
    let times = KarrasGrid(count: 8).times
    let configuration = StatisticsConfiguration(lambdaCount: 12, samplesPerPoint: 64, batchSize: 48, tolerance: 1e-6,
      maxSamplesPerPoint: 256)
    var states: [StatisticsEstimatorState] = []
    let full = StatisticsEstimator.estimate(teacher: overlapping, data: overlappingData, configuration: configuration, seed: 5,
      jumpTimes: times, checkpoint: { states.append($0) })
    #expect(full.cost.rounds == 3 && full.cost.samplesPerPoint == 256 && full.cost.converged == false)
    // 12 points in each of 3 rounds, plus the start of rounds 2 and 3.
    #expect(states.count == 3 * 12 + 2)
    #expect((full.cost.cpuSeconds ?? 0) > 0)
    let picks = [
      states[4],
      try #require(states.first { $0.rounds == 1 && $0.nextPoint == 0 }),
      try #require(states.first { $0.rounds == 2 && $0.nextPoint == 7 }),
      try #require(states.last),
    ]
    #expect(picks[1].samplesDone == 64 && picks[1].samplesPerPoint == 128 && picks[3].nextPoint == 12)
    for state in picks {
      // Through JSON, as the cache keeps it: the sums are bit patterns.
      let decoded = try JSONDecoder().decode(StatisticsEstimatorState.self, from: JSONEncoder().encode(state))
      #expect(decoded == state)
      let resumed = StatisticsEstimator.estimate(teacher: overlapping, data: overlappingData, configuration: configuration, seed: 5,
        jumpTimes: times, resume: decoded)
      #expect((resumed.linear + resumed.growth).map(\.bitPattern) == (full.linear + full.growth).map(\.bitPattern),
        "resumed at round \(state.rounds + 1), point \(state.nextPoint)")
      #expect(resumed.linearReplicates == full.linearReplicates && resumed.growthReplicates == full.growthReplicates)
      #expect(resumed.cost.rounds == full.cost.rounds && resumed.cost.samplesPerPoint == full.cost.samplesPerPoint)
      #expect(resumed.cost.maxRelativeErrorB == full.cost.maxRelativeErrorB && resumed.cost.worstJump == full.cost.worstJump)
      #expect(resumed.cost.seconds >= state.seconds)
    }
    // A state does not fit another configuration.
    #expect(!picks[0].fits(lambdaCount: 13, groupCount: 32, blockSize: 2) && picks[0].fits(lambdaCount: 12, groupCount: 32, blockSize: 2))
  }
}
