/// When a run first reached a quality target (docs/math.md section 6, "Speed-up").
public struct TargetReach: Sendable, Hashable {
  /// The first evaluated training step whose metric reaches the target; infinite if never.
  public var step: Double
  /// Training wall seconds at that evaluation (evaluation time excluded); infinite if never.
  public var trainingWallSeconds: Double
  /// Training CPU seconds at that evaluation; infinite if never.
  public var trainingCPUSeconds: Double
  /// The evaluated step before `step` (0 when it was the first evaluation): the target was
  /// crossed somewhere in `(previousStep, step]`.
  public var previousStep: Double

  /// A reach from its parts.
  public init(step: Double, trainingWallSeconds: Double, trainingCPUSeconds: Double, previousStep: Double = 0) {
    self.step = step
    self.trainingWallSeconds = trainingWallSeconds
    self.trainingCPUSeconds = trainingCPUSeconds
    self.previousStep = previousStep
  }

  /// Never reached: every figure infinite.
  public static let never = TargetReach(
    step: .infinity, trainingWallSeconds: .infinity, trainingCPUSeconds: .infinity, previousStep: .infinity)

  /// The resolution of `step`: the evaluation spacing before it as a fraction of it,
  /// `(step - previousStep) / step` (NaN when never reached).
  public var relativeSpacing: Double { isReached ? (step - previousStep) / step : .nan }

  /// Whether the target was reached.
  public var isReached: Bool { step.isFinite }
}

/// Time to a quality target per run.
public enum TimeToTarget {
  /// When `run` first reached `target`.
  ///
  /// The first evaluation (by step) whose value of the target's metric reaches the threshold
  /// gives the step and the training wall/CPU seconds at it. A diverged or failed run counts as
  /// never reaching any target (docs/harness.md, "Divergence"), even if an evaluation before the
  /// failure did. A completed run that never reached it gives `.never`. A run still running or
  /// interrupted that has not reached it yet gives `nil`: not known yet.
  public static func reach(of target: QualityTarget, in run: RunResult) -> TargetReach? {
    switch run.run.status {
    case .diverged, .failed: return .never
    case .completed, .running, .interrupted: break
    }
    let key = target.key
    var previous = 0
    for evaluation in run.evaluations.sorted(by: { $0.step < $1.step }) {
      if let value = evaluation.value(of: key), target.isReached(by: value) {
        return TargetReach(
          step: Double(evaluation.step), trainingWallSeconds: evaluation.trainingWallSeconds,
          trainingCPUSeconds: evaluation.trainingCPUSeconds, previousStep: Double(previous))
      }
      previous = evaluation.step
    }
    return run.run.status == .completed ? .never : nil
  }
}
