import Metrics

/// A pre-registered rule resolved for one setting: the target it gives, or why it gives none yet.
public struct ResolvedTarget: Sendable, Hashable {
  /// The setting (problem, teacher, method).
  public var setting: Setting
  /// The rule.
  public var rule: TargetRule
  /// The target (`nil` when the rule cannot be resolved yet).
  public var target: QualityTarget?
  /// How it was resolved ("median of `ctm` at step 750 over 5 seeds: 4.12"), or why it was not.
  public var explanation: String
}

/// Resolves target rules against stored results (docs/harness.md, "Targets as rules").
extension SuiteResults {
  /// Every rule of the suite resolved for `setting`, in suite order.
  ///
  /// - absolute: its threshold;
  /// - reference: `factor` times the median, over the reference arm's completed runs in
  ///   `setting`, of the metric at each run's first evaluation at or after fraction `at` of its
  ///   final step (the budget); unresolved while no reference run has completed;
  /// - teacher: `factor` times the teacher's value recorded for the setting's problem and
  ///   teacher (`teacherValues`); unresolved when none was recorded.
  public func resolvedTargets(for setting: Setting) -> [ResolvedTarget] {
    suite.rules.map { resolve($0, for: setting) }
  }

  /// The targets of `setting` that could be resolved, in suite order.
  public func targets(for setting: Setting) -> [QualityTarget] {
    resolvedTargets(for: setting).compactMap { $0.target }
  }

  /// Every resolved target of every setting, sorted and without repeats.
  public func allTargets() -> [QualityTarget] {
    Array(Set(settings().flatMap { targets(for: $0) })).sorted()
  }

  func resolve(_ rule: TargetRule, for setting: Setting) -> ResolvedTarget {
    func made(_ threshold: Double, _ explanation: String) -> ResolvedTarget {
      ResolvedTarget(setting: setting, rule: rule,
        target: QualityTarget(metric: rule.metric, nfe: rule.nfe, threshold: threshold, direction: rule.direction, rule: rule),
        explanation: explanation)
    }
    func unresolved(_ reason: String) -> ResolvedTarget {
      ResolvedTarget(setting: setting, rule: rule, target: nil, explanation: reason)
    }
    let factor = rule.factor ?? 1
    switch rule.relativeTo {
    case nil:
      return made(rule.threshold ?? .nan, "absolute")
    case .reference?:
      let reference = Arm(dataset: setting.dataset, teacher: setting.teacher, method: setting.method,
        preconditioning: suite.referencePreconditioning)
      let runs = selectedRuns().filter { $0.run.cell.arm == reference }
      let completed = runs.filter { $0.run.status == .completed }
      var values: [Double] = []
      var steps: [Int] = []
      for result in completed {
        guard let budget = result.finalEvaluation?.step else { continue }
        let wanted = (rule.at ?? 1) * Double(budget)
        guard let evaluation = result.evaluations.first(where: { Double($0.step) >= wanted - 1e-9 }),
          let value = evaluation.value(of: rule.key), value.isFinite
        else { continue }
        values.append(value)
        steps.append(evaluation.step)
      }
      guard !values.isEmpty else {
        return unresolved("no completed `\(suite.referencePreconditioning)` run with a finite \(rule.key) yet")
      }
      let median = OrderStatistics.median(values)
      let stepText = Set(steps).count == 1 ? "step \(steps[0])" : "steps \(steps.min() ?? 0)-\(steps.max() ?? 0)"
      let partial = values.count < runs.count ? " of \(runs.count)" : ""
      return made(factor * median,
        "median of `\(suite.referencePreconditioning)` at \(stepText) over \(values.count)\(partial) seed(s): \(DisplayNumber.format(median))")
    case .teacher?:
      guard let grid = rule.teacherGrid,
        let recorded = teacherValues.first(where: {
          $0.dataset == setting.dataset && $0.teacher == setting.teacher && $0.metric == rule.metric && $0.grid == grid
        })
      else {
        return unresolved("no teacher value recorded for \(rule.metric) with a \(rule.teacherGrid ?? 0)-level Heun sampler")
      }
      return made(factor * recorded.value,
        "teacher's \(rule.metric) (Heun, \(2 * (grid - 1)) NFE, \(recorded.samples) samples): \(DisplayNumber.format(recorded.value))")
    }
  }
}
