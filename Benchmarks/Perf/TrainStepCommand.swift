/// `perf train-step`: seconds of one training step of the MLP 192->512->512->512->192 (SiLU,
/// batch 256, MSE against a fixed target, Adam), the figure `Scripts/side-by-side.py` sets beside
/// PyTorch CPU.
///
/// SLOT: not implemented yet; another engineer fills it in (issue 2). Keep the spec's name and
/// the `--threads T --json` contract: print `{"seconds": ..., "steps_per_second": ...}` on one line.
enum TrainStepCommand {
  static let spec = CommandSpec(
    name: "train-step", summary: "Seconds per training step of the reference MLP (not yet implemented).",
    usage: """
      USAGE: perf train-step [--threads T] [--repeat R] [--json]

      Not yet implemented: exits with 64.
      """,
    valueOptions: ["--threads", "--repeat"],
    flags: ["--json"])

  static func run(_ arguments: ParsedArguments) throws {
    throw PerfFailure.usage("perf train-step: not yet implemented")
  }
}
