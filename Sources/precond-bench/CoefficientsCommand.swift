import Diffusion
import Distillation
import Foundation
import Harness

/// Shared handling of `--precond`, `--teacher`, `--t/--s | --grid` for `coefficients` and `gap`.
struct JumpQuery {
  let preconditioning: Preconditioning
  let loaded: LoadedTeacher
  let pairs: [(t: Double, s: Double)]
  let sigmaData: Double

  static let valueOptions = ["--precond", "--teacher", "--t", "--s", "--grid", "--sigma-data", "--lambda-count", "--samples"]

  /// Documented bounds of the size options (their help says them): large enough for any real
  /// study, small enough that memory stays bounded and a run ends (a grid of N points has
  /// N (N - 1) / 2 jumps; each jump of `gap` is a Heun solve of every sample).
  static let lambdaCountRange = 2...10_000
  static let samplesRange = 2...1_000_000
  static let substepsRange = 1...10_000

  init(_ arguments: ParsedArguments, usage: String, allowEqual: Bool, gridRange: ClosedRange<Int>) throws {
    try arguments.expectPositionals(0...0, usage)
    preconditioning = try Preconditioning.parse(try arguments.required("--precond"))
    sigmaData = try arguments.real("--sigma-data") ?? 0.5
    guard sigmaData > 0 else { throw CommandFailure.usage("--sigma-data must be > 0") }
    let tValue = try arguments.real("--t"), sValue = try arguments.real("--s"), grid = try arguments.integer("--grid", in: gridRange)
    let tMin = NoiseRange.tMin, tMax = NoiseRange.tMax
    if let t = tValue, let s = sValue, grid == nil {
      guard t <= tMax && s >= tMin && s <= t else {
        throw CommandFailure.usage("need \(tMin) <= s <= t <= \(tMax), got t \(t), s \(s)")
      }
      guard allowEqual || s < t else { throw CommandFailure.usage("the gap needs s < t") }
      pairs = [(t, s)]
    } else if let grid, tValue == nil && sValue == nil {
      let times = KarrasGrid(count: grid).times
      var list = [(t: Double, s: Double)]()
      for (i, t) in times.enumerated() {
        for s in times[(i + 1)...] { list.append((t, s)) }
      }
      pairs = list
    } else {
      throw CommandFailure.usage("give either --t T --s S or --grid N\n\n\(usage)")
    }
    if preconditioning == .edm, pairs.contains(where: { $0.s != tMin }) {
      throw CommandFailure.usage("edm is CD's preconditioning: its jumps end at s = tMin = \(tMin); on trajectories use ctm (docs/math.md section 3)")
    }
    loaded = try LoadedTeacher.load(path: try arguments.required("--teacher"),
      sampleCount: try arguments.integer("--samples", in: Self.samplesRange) ?? 4096)
    for note in loaded.notes { Console.error("note: " + note) }
  }

  func jumper(lambdaCount: Int, samples: Int) -> (Jumper, AnalyticStatistics?) {
    var statistics: AnalyticStatistics? = nil
    if preconditioning.needsStatistics {
      statistics = AnalyticStatistics.estimate(teacher: loaded.teacher, data: loaded.data,
        configuration: StatisticsConfiguration(lambdaCount: lambdaCount, samplesPerPoint: samples), seed: 0)
    }
    return (Jumper(preconditioning: preconditioning, sigmaData: sigmaData, statistics: statistics), statistics)
  }
}

/// `precond-bench coefficients`: A and B (and alpha, beta, l) of any preconditioning.
enum CoefficientsCommand: Subcommand {
  static let spec = CommandSpec(
    name: "coefficients", summary: "Print the jump coefficients A(t,s), B(t,s) of a preconditioning.",
    usage: """
      USAGE: precond-bench coefficients --precond NAME --teacher SPEC (--t T --s S | --grid N) [options] [--json]

      Prints A and B of f = A x_t + B F (docs/math.md section 3) and, for the analytic variants,
      alpha, beta and l; jumps whose |B| exceeds 10x CTM's are flagged as ill-conditioned.

      OPTIONS:
        --precond NAME      edm | ctm | analytic | analytic-backward | analytic-l
        --teacher SPEC      teacher JSON file: {"kind": "gmm"|"empirical"|"network", ...}
        --t T --s S         one jump (tMin 0.002 <= s <= t <= tMax 80)
        --grid N            every jump s <= t between points of the N-point Karras grid (2...1000)
        --sigma-data V      sigmaData (default 0.5)
        --lambda-count M    lambda grid of the Analytic-Precond statistics (default 120; 2...10000)
        --samples S         samples per lambda point (default 4096; 2...1000000)
        --json              {"precond", "sigmaData", "statisticsSeconds", "rows": [{"t", "s", "A", "B", ...}]}

      EXAMPLE:
        precond-bench coefficients --precond analytic --teacher teacher.json --grid 18 --json
      """,
    valueOptions: JumpQuery.valueOptions, flags: ["--json"])

  /// `--grid` bounds: 1000 points are 499,500 jumps, printed in about a second.
  static let gridRange = 2...1000

  struct Row: Encodable {
    let t: Double, s: Double, A: Double, B: Double
    let alpha: Double?, beta: Double?, l: Double?
    let flagged: Bool
  }

  struct Output: Encodable {
    let precond: String
    let sigmaData: Double
    let teacher: String
    let statisticsSeconds: Double?
    let rows: [Row]
  }

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    let query = try JumpQuery(arguments, usage: spec.usage, allowEqual: true, gridRange: gridRange)
    let (jumper, statistics) = query.jumper(lambdaCount: try arguments.integer("--lambda-count", in: JumpQuery.lambdaCountRange) ?? 120,
      samples: try arguments.integer("--samples", in: JumpQuery.samplesRange) ?? 4096)
    let rows = query.pairs.map { pair -> Row in
      let c = jumper.coefficients(t: pair.t, s: pair.s)
      return Row(t: pair.t, s: pair.s, A: c.a, B: c.b, alpha: c.alpha, beta: c.beta, l: c.l, flagged: jumper.isIllConditioned(t: pair.t, s: pair.s))
    }
    if arguments.flag("--json") {
      Console.out(try Console.json(Output(precond: query.preconditioning.rawValue, sigmaData: query.sigmaData, teacher: query.loaded.summary,
        statisticsSeconds: statistics?.seconds, rows: rows)))
      return .ok
    }
    Console.out("\(query.preconditioning.rawValue) on \(query.loaded.summary), sigmaData \(query.sigmaData)")
    if let statistics { Console.out(String(format: "statistics estimated in %.2f s (docs/math.md section 5, a reconstruction)", statistics.seconds)) }
    Console.out(String(repeating: " ", count: 0) + pad(["t", "s", "A", "B", "alpha", "beta", "l", ""]))
    for r in rows {
      Console.out(pad([format(r.t), format(r.s), format(r.A), format(r.B), r.alpha.map(format) ?? "-", r.beta.map(format) ?? "-",
        r.l.map(format) ?? "-", r.flagged ? "ill-conditioned" : ""]))
    }
    return .ok
  }
}

/// `precond-bench gap`: consistency gap and initial jump error over a (t, s) grid.
enum GapCommand: Subcommand {
  static let spec = CommandSpec(
    name: "gap", summary: "Measure the consistency gap and initial jump error of a preconditioning.",
    usage: """
      USAGE: precond-bench gap --precond NAME --teacher SPEC (--t T --s S | --grid N) [options] [--json]

      For each jump (s < t): the consistency gap E|D* - D_phi|^2/d between the teacher denoiser and the
      optimal student denoiser, and the initial jump error E|f_init - Phi_{t->s}|^2/d of the jumper whose
      network reproduces the teacher (docs/math.md section 6). The flow Phi is a fine Heun solve of
      the teacher.

      OPTIONS:
        --precond NAME      edm | ctm | analytic | analytic-backward | analytic-l
        --teacher SPEC      teacher JSON file: {"kind": "gmm"|"empirical"|"network", ...}
        --t T --s S         one jump; or --grid N for every jump of the N-point Karras grid (2...64)
        --sigma-data V      sigmaData (default 0.5)
        --samples S         samples x_t = x0 + t eps per jump (default 1024; 2...1000000)
        --substeps K        Heun steps of the reference solve per jump (default 64; 1...10000)
        --lambda-count M    lambda grid of the Analytic-Precond statistics (default 120; 2...10000)
        --json              {"precond", "sigmaData", "rows": [{"t", "s", "gap", "jumpError"}]}

      EXAMPLE:
        precond-bench gap --precond ctm --teacher teacher.json --grid 6
      """,
    valueOptions: JumpQuery.valueOptions + ["--substeps"], flags: ["--json"])

  /// `--grid` bounds: 64 points are 2,016 jumps, each a Heun solve of every sample (about a
  /// minute at the defaults on 2 cores).
  static let gridRange = 2...64

  struct Row: Encodable {
    let t: Double, s: Double, gap: Double, jumpError: Double
  }

  struct Output: Encodable {
    let precond: String
    let sigmaData: Double
    let teacher: String
    let rows: [Row]
  }

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    let query = try JumpQuery(arguments, usage: spec.usage, allowEqual: false, gridRange: gridRange)
    let samples = try arguments.integer("--samples", in: JumpQuery.samplesRange) ?? 1024
    let substeps = try arguments.integer("--substeps", in: JumpQuery.substepsRange) ?? 64
    let (jumper, _) = query.jumper(lambdaCount: try arguments.integer("--lambda-count", in: JumpQuery.lambdaCountRange) ?? 120, samples: 4096)
    let clean = query.loaded.data.rows(0..<min(samples, query.loaded.data.shape[0]))
    let rows = query.pairs.map { pair -> Row in
      let g = Diagnostics.consistencyGap(jumper: jumper, teacher: query.loaded.teacher, clean: clean, t: pair.t, s: pair.s, seed: 0,
        substeps: substeps)
      return Row(t: pair.t, s: pair.s, gap: g.gap, jumpError: g.jumpError)
    }
    if arguments.flag("--json") {
      Console.out(try Console.json(Output(precond: query.preconditioning.rawValue, sigmaData: query.sigmaData, teacher: query.loaded.summary, rows: rows)))
      return .ok
    }
    Console.out("\(query.preconditioning.rawValue) on \(query.loaded.summary), sigmaData \(query.sigmaData), \(clean.shape[0]) samples per jump")
    Console.out(pad(["t", "s", "gap", "jump error"]))
    for r in rows { Console.out(pad([format(r.t), format(r.s), format(r.gap), format(r.jumpError)])) }
    return .ok
  }
}

/// A number in at most 6 significant digits.
func format(_ value: Double) -> String {
  if value == 0 { return "0" }
  if !value.isFinite { return "\(value)" }
  let magnitude = abs(value)
  return magnitude >= 1e-3 && magnitude < 1e6 ? String(format: "%.6g", value) : String(format: "%.4e", value)
}

/// Columns of width 13.
func pad(_ columns: [String]) -> String {
  columns.map { $0.padding(toLength: max(13, $0.count + 1), withPad: " ", startingAt: 0) }.joined()
}
