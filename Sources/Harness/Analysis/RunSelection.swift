extension SuiteResults {
  /// The run that stands for each cell (arm and seed) in reports, baselines and comparisons.
  ///
  /// A cell may have several runs (re-runs, an edited suite, an interrupted attempt). The latest
  /// run (by start time, then id) stands for the cell, except that an unfinished latest run
  /// (running or interrupted) gives way to the latest finished run of the same spec hash, if
  /// there is one. Ordered by arm, then seed.
  public func selectedRuns() -> [RunResult] {
    var byCell: [CellKey: [RunResult]] = [:]
    for result in runs {
      byCell[CellKey(arm: result.run.cell.arm, seed: result.run.cell.seed), default: []].append(
        result)
    }
    var selected: [RunResult] = []
    for key in byCell.keys.sorted() {
      let candidates = (byCell[key] ?? []).sorted { a, b in
        a.run.startedAt != b.run.startedAt ? a.run.startedAt < b.run.startedAt : a.run.id < b.run.id
      }
      guard let latest = candidates.last else { continue }
      if !latest.run.status.isFinished,
        let finished = candidates.last(where: {
          $0.run.status.isFinished && $0.run.cell.specHash == latest.run.cell.specHash
        })
      {
        selected.append(finished)
      } else {
        selected.append(latest)
      }
    }
    return selected
  }

  /// The arms of the selected runs, sorted.
  public func arms() -> [Arm] {
    Array(Set(runs.map { $0.run.cell.arm })).sorted()
  }

  /// The settings (dataset, teacher, method) of the runs, sorted.
  public func settings() -> [Setting] {
    Array(Set(runs.map { $0.run.cell.arm.setting })).sorted()
  }
}

/// A cell without its spec hash: arm and seed.
struct CellKey: Hashable, Comparable {
  let arm: Arm
  let seed: Int

  static func < (a: CellKey, b: CellKey) -> Bool {
    a.arm != b.arm ? a.arm < b.arm : a.seed < b.seed
  }
}
