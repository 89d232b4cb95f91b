/// One evaluation of a run (docs/harness.md, "Training, evaluation and the clock"): at every
/// step of the evaluation schedule and at the end, with the training clock paused.
public struct EvaluationRecord: Codable, Sendable, Hashable {
  /// The training step after which it was taken.
  public var step: Int
  /// Training samples seen so far (step x batch size).
  public var samplesSeen: Int
  /// Training wall-clock seconds so far, evaluations excluded.
  public var trainingWallSeconds: Double
  /// Training CPU seconds (all threads) so far, evaluations excluded.
  public var trainingCPUSeconds: Double
  /// Wall-clock seconds this evaluation took.
  public var evaluationSeconds: Double
  /// The training loss at this step (NaN or infinite when the run diverged).
  public var loss: Double
  /// Every metric at every NFE.
  public var metrics: [MetricValue]
  /// The machine's 1-minute load average when the evaluation was taken (`nil` where unknown).
  public var loadAverage: Double?

  /// An evaluation from its parts.
  public init(
    step: Int, samplesSeen: Int, trainingWallSeconds: Double, trainingCPUSeconds: Double,
    evaluationSeconds: Double, loss: Double, metrics: [MetricValue], loadAverage: Double? = nil
  ) {
    self.loadAverage = loadAverage
    self.step = step
    self.samplesSeen = samplesSeen
    self.trainingWallSeconds = trainingWallSeconds
    self.trainingCPUSeconds = trainingCPUSeconds
    self.evaluationSeconds = evaluationSeconds
    self.loss = loss
    self.metrics = metrics
  }

  /// The value of metric `key`, if it was measured.
  public func value(of key: MetricKey) -> Double? {
    metrics.first { $0.name == key.name && $0.nfe == key.nfe }?.value
  }
}
