/// Makes baselines from runs: the per-seed numbers a comparison needs, and nothing else.
public enum BaselineBuilder {
  /// The baseline of `results`' selected runs (one per arm and seed) for `targets` (default: the
  /// suite's rules resolved for each run's setting, so a relative rule is stored with the value
  /// it resolved to). The source commit is the most common commit of those runs.
  public static func make(
    name: String, created: Timestamp, results: SuiteResults, targets: [QualityTarget]? = nil
  ) -> BaselineRecord {
    let runs = results.selectedRuns()
    var resolved: [Setting: [QualityTarget]] = [:]
    for setting in results.settings() { resolved[setting] = targets ?? results.targets(for: setting) }
    var cellsByHash: [String: (arm: Arm, seeds: [BaselineSeed])] = [:]
    for result in runs {
      let cell = result.run.cell
      let entry = seedEntry(result, targets: resolved[cell.arm.setting] ?? [])
      cellsByHash[cell.specHash, default: (arm: cell.arm, seeds: [])].seeds.append(entry)
    }
    let cells = cellsByHash.keys.sorted().compactMap { hash -> BaselineCell? in
      guard let entry = cellsByHash[hash] else { return nil }
      return BaselineCell(
        specHash: hash, dataset: entry.arm.dataset, teacher: entry.arm.teacher,
        method: entry.arm.method, preconditioning: entry.arm.preconditioning, seeds: entry.seeds)
    }
    return BaselineRecord(
      name: name, created: created, sourceCommit: mostCommonCommit(runs),
      suite: results.suite.name, suiteSpecHash: results.suite.specHash, targets: targets ?? results.allTargets(),
      machines: runs.map { $0.run.machine }, cells: cells)
  }

  /// One seed's entry: final numbers, steps to each target, timings.
  public static func seedEntry(_ result: RunResult, targets: [QualityTarget]) -> BaselineSeed {
    let final = result.finalEvaluation
    let reaches = targets.map { target -> BaselineTargetReach in
      let reach = TimeToTarget.reach(of: target, in: result)
      let reached = reach.map { $0.isReached } ?? false
      return BaselineTargetReach(
        target: target, step: reached ? reach.map { Int($0.step) } : nil,
        trainingWallSeconds: reached ? reach?.trainingWallSeconds : nil,
        trainingCPUSeconds: reached ? reach?.trainingCPUSeconds : nil)
    }
    let timing = final.map { last in
      BaselineTiming(
        machine: result.run.machine.id, trainingWallSeconds: last.trainingWallSeconds,
        trainingCPUSeconds: last.trainingCPUSeconds,
        evaluationSeconds: result.evaluations.reduce(0) { $0 + $1.evaluationSeconds })
    }
    return BaselineSeed(
      seed: result.run.cell.seed, status: result.run.status, statusStep: result.run.statusStep,
      finalStep: final?.step, loss: final?.loss, metrics: final?.metrics ?? [], targets: reaches,
      timing: timing)
  }

  /// The commit most runs came from (ties broken by the smaller sha, dirty after clean).
  public static func mostCommonCommit(_ runs: [RunResult]) -> CommitInfo {
    var counts: [CommitInfo: Int] = [:]
    for result in runs { counts[result.run.commit, default: 0] += 1 }
    let ordered = counts.sorted { a, b in
      if a.value != b.value { return a.value > b.value }
      if a.key.sha != b.key.sha { return a.key.sha < b.key.sha }
      return !a.key.dirty && b.key.dirty
    }
    return ordered.first?.key ?? .unknown
  }
}
