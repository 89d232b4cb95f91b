/// One line per term the report uses, with the in-repo page and section that defines it
/// (issue 13, item 2). The same text in every report, so that a reader of any one report can
/// decode its tables without the code.
enum GlossarySection {
  /// (term, definition) in reading order: metrics, then what the tables measure them with.
  static let entries: [(term: String, definition: String)] = [
    (
      "`sw2`",
      "sliced Wasserstein-2 distance between generated and reference samples, averaged over fixed "
        + "projection directions; in data units (model units, images scaled to [-1, 1]); lower is better "
        + "(docs/math.md section 6)."
    ),
    (
      "`fd-pixels`",
      "Frechet distance on the flattened samples; in squared data units; lower is better. A proxy, not FID "
        + "(docs/math.md section 6)."
    ),
    (
      "`fd-randconv`",
      "Frechet distance on the features of a fixed, seeded, untrained random convolutional network "
        + "(`randconv-v1`); in squared feature units, comparable only with itself; not FID (docs/math.md section 6)."
    ),
    (
      "`fd-effnet`",
      "Frechet distance on EfficientNet-Lite0's 1280 pooled ImageNet features, computed in Swift at the final "
        + "evaluation when its weights are prepared; in squared feature units; trained features, not FID "
        + "(docs/math.md section 6)."
    ),
    (
      "`fd-inception`, `fid`",
      "Frechet distance on the 2048 pool3 features of Inception-v3 as pytorch-fid builds it, computed in Swift at "
        + "the final evaluation when its weights are prepared; `fid` when they are pytorch-fid's standard file "
        + "(SHA-256 checked), else `fd-inception` (docs/math.md section 6)."
    ),
    (
      "`-full`",
      "suffix of a metric measured at the last step on all `evaluation.samples` (the curves and targets use the "
        + "first `curveSamples`; docs/harness.md, \"Evaluation schedule and resolution\")."
    ),
    (
      "`alignment`",
      "trajectory alignment: from the same noise, the mean over the student's multistep states of the squared "
        + "distance per dimension to the teacher's ODE trajectory; in squared data units; lower is better "
        + "(docs/math.md section 6)."
    ),
    (
      "`alignment-final`",
      "the alignment term of the final sample alone (docs/math.md section 6)."
    ),
    (
      "`consistency-loss`",
      "the training objective, mean squared error per dimension between the student's jump and its target, "
        + "averaged since the previous evaluation; squared data units (docs/math.md section 4)."
    ),
    (
      "NFE",
      "number of function evaluations (network calls) of the student's sampler: NFE 1 is one jump from "
        + "`tMax` to `tMin`, NFE 2 two (docs/math.md section 4, \"Sampling\")."
    ),
    (
      "exact teacher",
      "a denoiser known in closed form (a Gaussian mixture, or the empirical denoiser of a training set), "
        + "with exact Jacobian traces, gaps and trajectories (docs/math.md section 2)."
    ),
    (
      "network teacher",
      "an EDM-preconditioned network trained by the harness and cached; its statistics use Hutchinson trace "
        + "estimates (docs/math.md section 2)."
    ),
    (
      "`l`, `s`",
      "the Analytic-Precond statistics of the teacher: `l` the mean Jacobian trace per dimension of the "
        + "denoiser, `s` the rate at which the nonlinear part `g = D - l x` changes along the ODE; estimated "
        + "once per teacher, with jackknife errors (docs/math.md section 5)."
    ),
    (
      "`A`, `B`",
      "the coefficients of a preconditioning, `f = A x_t + B F`; a jump whose `|B|` exceeds 10x `ctm`'s is "
        + "flagged as ill-conditioned (docs/math.md section 3)."
    ),
    (
      "gap",
      "consistency gap at (t, s): the mean squared distance per dimension between the teacher's denoiser "
        + "and the best student denoiser this preconditioning allows (docs/math.md section 6)."
    ),
    (
      "jump error",
      "initial jump error: the mean squared error per dimension of the jump whose network reproduces the "
        + "teacher, against the teacher's flow; read it beside the gap, which can be small only because `B` is "
        + "large (docs/math.md section 6)."
    ),
    (
      "speed-up",
      "median over seeds of the reference's steps (or wall, or CPU seconds) to a target divided by the "
        + "arm's; above 1 = faster than the reference; `never` = no seed reached it, a diverged run counts as "
        + "infinitely slow (docs/math.md section 6)."
    ),
    (
      "resolution",
      "`(step - previousStep) / step` of the evaluation at which a target was first reached: how precisely "
        + "that step is known (docs/harness.md, \"Evaluation schedule and resolution\")."
    ),
  ]

  static func render(_ context: ReportContext) -> String {
    let lines = entries.map { "- **\($0.term)**: \($0.definition)" }
    return "## Glossary\n\n" + lines.joined(separator: "\n")
  }
}
