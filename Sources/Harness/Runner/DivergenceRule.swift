/// When a run has diverged (docs/harness.md, "Divergence"): its consistency loss or an evaluated
/// metric is not finite, or exceeds `factor` times its initial value; or its consistency loss
/// exceeds `factor` times the data's variance `sigmaData^2` at any step (a per-dimension mean
/// squared error that large means jumps land tens of data standard deviations away: a run blown
/// up from its first steps, which growth alone would not catch). The initial loss is the mean of
/// the first `initialSteps` step losses; a metric's initial value is its first evaluation. Every
/// metric the harness evaluates is lower-is-better, so only growth counts.
public struct DivergenceRule: Sendable, Hashable {
  /// The default factor, 1000.
  public static let defaultFactor: Double = 1000
  /// Steps whose mean loss is the initial loss.
  public static let initialSteps = 10

  /// The multiple of the initial value that counts as divergence.
  public var factor: Double
  /// The data's variance `sigmaData^2`, the scale of a sane loss (nil: no absolute check).
  public var lossScale: Double?
  /// Sum of the first losses, and how many (until `initialSteps`).
  public private(set) var lossSum = 0.0
  public private(set) var lossCount = 0
  /// The first evaluated value of each metric (`name@nfe`).
  public private(set) var initialMetrics: [String: Double] = [:]

  /// A rule with `factor`, and the data variance `lossScale` as an absolute scale of the loss.
  public init(factor: Double, lossScale: Double? = nil) {
    precondition(factor > 1, "DivergenceRule: factor must be > 1, got \(factor)")
    precondition(lossScale.map { $0 > 0 && $0.isFinite } ?? true, "DivergenceRule: lossScale must be positive, got \(lossScale!)")
    self.factor = factor
    self.lossScale = lossScale
  }

  /// The initial loss once `initialSteps` losses were seen.
  public var initialLoss: Double? { lossCount >= Self.initialSteps ? lossSum / Double(lossCount) : nil }

  /// Records the loss of the next step; returns why the run diverged, or nil.
  public mutating func check(loss: Double, step: Int) -> String? {
    guard loss.isFinite else { return "non-finite consistency loss (\(loss)) at step \(step)" }
    if let scale = lossScale, loss > factor * scale {
      return "consistency loss \(format(loss)) at step \(step) exceeds \(format(factor))x the data variance "
        + "sigmaData^2 = \(format(scale))"
    }
    if let initial = initialLoss {
      if loss > factor * initial {
        return "consistency loss \(format(loss)) at step \(step) exceeds \(format(factor))x its initial value "
          + "\(format(initial)) (mean of the first \(Self.initialSteps) steps)"
      }
    } else {
      lossSum += loss
      lossCount += 1
    }
    return nil
  }

  /// Records an evaluation; returns why the run diverged, or nil.
  public mutating func check(metrics: [(key: String, value: Double)], step: Int) -> String? {
    for (key, value) in metrics {
      guard value.isFinite else { return "\(key) is \(value) at step \(step) (non-finite samples)" }
      if let initial = initialMetrics[key] {
        if initial > 0, value > factor * initial {
          return "\(key) = \(format(value)) at step \(step) exceeds \(format(factor))x its first evaluated value \(format(initial))"
        }
      } else {
        initialMetrics[key] = value
      }
    }
    return nil
  }

  /// The state as text for a checkpoint's metadata (`restore(from:)` reads it back).
  public var checkpointText: String {
    var parts = ["loss=\(lossSum.bitPattern),\(lossCount)"]
    for key in initialMetrics.keys.sorted() { parts.append("\(key)=\(initialMetrics[key]!.bitPattern)") }
    return parts.joined(separator: ";")
  }

  /// Restores the state written by `checkpointText` (bit for bit); false if it is malformed.
  public mutating func restore(from text: String) -> Bool {
    var sum = 0.0, count = 0
    var metrics: [String: Double] = [:]
    for part in text.split(separator: ";") {
      guard let equals = part.lastIndex(of: "=") else { return false }
      let key = String(part[..<equals]), value = part[part.index(after: equals)...]
      if key == "loss" {
        let fields = value.split(separator: ",")
        guard fields.count == 2, let bits = UInt64(fields[0]), let n = Int(fields[1]) else { return false }
        sum = Double(bitPattern: bits)
        count = n
      } else {
        guard let bits = UInt64(value) else { return false }
        metrics[key] = Double(bitPattern: bits)
      }
    }
    lossSum = sum
    lossCount = count
    initialMetrics = metrics
    return true
  }

  private func format(_ value: Double) -> String { DisplayNumber.format(value) }
}
