import Metrics
import TensorCore

/// The times of one arm's seeds to one target.
public struct ArmTimes: Sendable, Hashable {
  /// The arm.
  public var arm: Arm
  /// The target.
  public var target: QualityTarget
  /// The seeds whose time is known (finished runs, and unfinished ones that already reached it).
  public var seeds: [Int]
  /// Steps to the target per seed (infinite when never reached).
  public var steps: [Double]
  /// Training wall seconds to the target per seed (infinite when never reached).
  public var wallSeconds: [Double]
  /// Training CPU seconds (all threads of the process) to the target per seed (infinite when
  /// never reached): less sensitive than wall time to other processes on the machine.
  public var cpuSeconds: [Double]
  /// Per seed that reached the target, the evaluation spacing before the reaching step as a
  /// fraction of it (the resolution of its steps to the target).
  public var relativeSpacings: [Double]
  /// Seeds whose runs have not finished and have not reached the target yet (left out).
  public var pending: Int
  /// The machines the seeds ran on (fingerprint ids, sorted).
  public var machines: [String]
  /// Median steps with its bootstrap interval (`nil` without seeds).
  public var medianSteps: ConfidenceInterval?
  /// Median wall seconds with its bootstrap interval (`nil` without seeds).
  public var medianWallSeconds: ConfidenceInterval?
  /// Median CPU seconds with its bootstrap interval (`nil` without seeds).
  public var medianCPUSeconds: ConfidenceInterval?

  /// How many seeds reached the target.
  public var reached: Int { steps.filter { $0.isFinite }.count }
}

/// The speed-up of one preconditioning over the suite's reference on one target, in one setting.
public struct SpeedUpEntry: Sendable, Hashable {
  /// The setting.
  public var setting: Setting
  /// The target.
  public var target: QualityTarget
  /// The preconditioning's times.
  public var candidate: ArmTimes
  /// The reference's times.
  public var reference: ArmTimes
  /// `median(steps_reference) / median(steps_candidate)` with its bootstrap interval; `nil` when a
  /// side has no seeds. Its estimate is NaN when neither side ever reached the target.
  public var stepsSpeedUp: ConfidenceInterval?
  /// The same ratio on training wall seconds.
  public var wallSpeedUp: ConfidenceInterval?
  /// The same ratio on training CPU seconds.
  public var cpuSpeedUp: ConfidenceInterval?

  /// Whether all runs of both sides ran on one machine (otherwise the wall-time ratio mixes
  /// machines, and reports say so).
  public var wallTimeOnOneMachine: Bool {
    Set(candidate.machines + reference.machines).count <= 1
  }
}

/// Speed-ups (docs/math.md section 6): `steps_A(q) / steps_B(q)` of a preconditioning B over the
/// reference A on each target q, as a ratio of medians over seeds with a percentile bootstrap
/// interval (a run that never reaches q counts as infinite), and the same on wall time.
public enum SpeedUp {
  /// The one-off cost of the Analytic-Precond statistics charged to a run's wall time to a
  /// target: the whole estimate's seconds (`coefficientSeconds`) added to every run that used
  /// statistics, although one cached estimate serves every seed and arm of its teacher. This is
  /// the worst case for the analytic arms (as if each run paid for its own estimate); other runs
  /// are charged nothing.
  public static func statisticsCharge(_ result: RunResult) -> Double {
    result.run.statistics == nil ? 0 : (result.run.coefficientSeconds ?? 0)
  }

  /// The times of `arm`'s selected runs to `target`.
  public static func times(
    of arm: Arm, to target: QualityTarget, in runs: [RunResult], level: Double = 0.95,
    resamples: Int = Bootstrap.defaultResamples
  ) -> ArmTimes {
    var seeds: [Int] = []
    var steps: [Double] = []
    var wall: [Double] = []
    var cpu: [Double] = []
    var spacings: [Double] = []
    var pending = 0
    var machines: Set<String> = []
    for result in runs where result.run.cell.arm == arm {
      guard let reach = TimeToTarget.reach(of: target, in: result) else {
        pending += 1
        continue
      }
      seeds.append(result.run.cell.seed)
      steps.append(reach.step)
      wall.append(reach.trainingWallSeconds + statisticsCharge(result))
      cpu.append(reach.trainingCPUSeconds + statisticsCharge(result))
      if reach.isReached { spacings.append(reach.relativeSpacing) }
      machines.insert(result.run.machine.id)
    }
    let key = "\(arm)|\(target)"
    return ArmTimes(
      arm: arm, target: target, seeds: seeds, steps: steps, wallSeconds: wall, cpuSeconds: cpu, relativeSpacings: spacings, pending: pending,
      machines: machines.sorted(),
      medianSteps: steps.isEmpty
        ? nil
        : Bootstrap.medianInterval(
          steps, level: level, resamples: resamples, stream: stream(key + "|median-steps")),
      medianWallSeconds: wall.isEmpty
        ? nil
        : Bootstrap.medianInterval(
          wall, level: level, resamples: resamples, stream: stream(key + "|median-wall")),
      medianCPUSeconds: cpu.isEmpty
        ? nil
        : Bootstrap.medianInterval(
          cpu, level: level, resamples: resamples, stream: stream(key + "|median-cpu")))
  }

  /// Every speed-up of `results`: for each setting that has the reference preconditioning, each
  /// target and each other preconditioning, in (setting, target, preconditioning) order.
  /// Settings without the reference are left out (reports list them).
  public static func table(
    _ results: SuiteResults, level: Double = 0.95, resamples: Int = Bootstrap.defaultResamples
  ) -> [SpeedUpEntry] {
    let runs = results.selectedRuns()
    let arms = Array(Set(runs.map { $0.run.cell.arm })).sorted()
    var entries: [SpeedUpEntry] = []
    for setting in Array(Set(arms.map { $0.setting })).sorted() {
      let referenceArm = Arm(
        dataset: setting.dataset, teacher: setting.teacher, method: setting.method,
        preconditioning: results.suite.referencePreconditioning)
      guard arms.contains(referenceArm) else { continue }
      for target in results.targets(for: setting) {
        let reference = times(
          of: referenceArm, to: target, in: runs, level: level, resamples: resamples)
        for arm in arms where arm.setting == setting {
          let candidate =
            arm == referenceArm
            ? reference : times(of: arm, to: target, in: runs, level: level, resamples: resamples)
          let key = "\(arm)|\(target)"
          var stepsRatio: ConfidenceInterval? = nil
          var wallRatio: ConfidenceInterval? = nil
          var cpuRatio: ConfidenceInterval? = nil
          if !candidate.steps.isEmpty && !reference.steps.isEmpty {
            stepsRatio = Bootstrap.medianRatioInterval(
              numerator: reference.steps, denominator: candidate.steps, level: level,
              resamples: resamples, stream: stream(key + "|speed-up-steps"))
            wallRatio = Bootstrap.medianRatioInterval(
              numerator: reference.wallSeconds, denominator: candidate.wallSeconds, level: level,
              resamples: resamples, stream: stream(key + "|speed-up-wall"))
            cpuRatio = Bootstrap.medianRatioInterval(
              numerator: reference.cpuSeconds, denominator: candidate.cpuSeconds, level: level,
              resamples: resamples, stream: stream(key + "|speed-up-cpu"))
          }
          entries.append(
            SpeedUpEntry(
              setting: setting, target: target, candidate: candidate, reference: reference,
              stepsSpeedUp: stepsRatio, wallSpeedUp: wallRatio, cpuSpeedUp: cpuRatio))
        }
      }
    }
    return entries
  }

  /// The settings of `results` that lack the reference preconditioning (no speed-up for them).
  public static func settingsWithoutReference(_ results: SuiteResults) -> [Setting] {
    let arms = Set(results.selectedRuns().map { $0.run.cell.arm })
    return Array(Set(arms.map { $0.setting })).sorted().filter { setting in
      !arms.contains(
        Arm(
          dataset: setting.dataset, teacher: setting.teacher, method: setting.method,
          preconditioning: results.suite.referencePreconditioning))
    }
  }

  /// The bootstrap stream of one statistic: purpose `.bootstrap`, seeded by the first 8 bytes of
  /// the SHA-256 of a key naming the statistic, so an interval does not depend on which other
  /// intervals were computed, or in what order.
  public static func stream(_ key: String) -> RandomStream {
    var hasher = SHA256()
    hasher.update(string: key)
    let digest = hasher.finalize()
    var seed: UInt64 = 0
    for byte in digest.prefix(8) { seed = seed << 8 | UInt64(byte) }
    return RandomStream(seed: seed, purpose: .bootstrap)
  }
}
