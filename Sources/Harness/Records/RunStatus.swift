/// Where a run stands.
public enum RunStatus: String, Codable, Sendable, Hashable, CaseIterable {
  /// Started and not finished (its process may still be alive).
  case running
  /// Reached the end of its iteration budget.
  case completed
  /// Its loss or parameters became non-finite; it counts as reaching no target.
  case diverged
  /// Its process died (killed, power loss) before finishing; found when the database is next
  /// opened and its process is gone. `--resume` continues it.
  case interrupted
  /// It stopped on an error (the message says which).
  case failed

  /// Whether the run ended by itself (completed, diverged or failed), as opposed to still running
  /// or cut short.
  public var isFinished: Bool {
    switch self {
    case .completed, .diverged, .failed: return true
    case .running, .interrupted: return false
    }
  }

  /// Whether the run is a benchmark failure in the sense of exit code 3.
  public var isFailure: Bool {
    switch self {
    case .completed: return false
    case .diverged, .failed, .interrupted, .running: return true
    }
  }
}
