import Harness

/// Looking runs up by id or by cell (`precond-bench samples` and `metric import`).
extension ResultStore {
  /// Run `id` with everything recorded for it, or `nil`.
  public func run(id: RunID) throws -> RunResult? {
    try locked { try loadRuns(where: "r.id = ?", [.integer(id.rawValue)]).first }
  }

  /// Every run (any suite, any status, oldest first) of the cell with this problem, method,
  /// preconditioning and seed: what a cell label `problem/method/preconditioning/seedN` names.
  public func runs(problem: String, method: String, preconditioning: String, seed: Int) throws -> [RunResult] {
    try locked {
      try loadRuns(
        where: "c.dataset = ? AND c.method = ? AND c.preconditioning = ? AND c.seed = ?",
        [.text(problem), .text(method), .text(preconditioning), .int(seed)])
    }
  }
}
