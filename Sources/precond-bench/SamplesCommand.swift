import Datasets
import Foundation
import Harness
import Storage
import TensorCore

/// `precond-bench samples RUN-OR-CELL --nfe K --count N --out PATH`: deterministic samples of a
/// completed run's kept student (docs/harness.md, "Students and samples"), for FID and other
/// metrics computed outside.
enum SamplesCommand: Subcommand {
  static let countRange = 1...100_000
  /// The bounds of `--nfe` (also `metric import`'s).
  static let nfeRange = 1...1000

  static let spec = CommandSpec(
    name: "samples",
    summary: "Write deterministic samples of a completed run's student (.npz, .npy or a PNG folder).",
    usage: """
      USAGE: precond-bench samples RUN-OR-CELL --nfe K --count N --out PATH [--db PATH]
                                   [--seed S] [--students DIR]

      Draws N samples from the student a completed run kept (its evaluation EMA weights, the ones
      every recorded metric was measured on; `run` writes them to --students) with K jumps of the
      sampler the harness evaluates the cell with (CD: multistep consistency; CTM: gamma or
      deterministic, as the suite's evaluation.gamma). Sample i starts from row i of the noise of
      seed S (default: the harness's evaluation seed, so the samples are drawn from the noises the
      recorded metrics used). Samples are generated in batches of 256 and are bit-identical for
      any --threads and on every invocation.

      RUN-OR-CELL is a run id (see `precond-bench export`) or a cell label
      problem/method/preconditioning/seedN, which names the cell's latest completed run.

      The format follows --out:
        X.npz   uint8 NHWC array arr_0 (EDM's fid.py, the guided-diffusion evaluator): pixels
                round(127.5 x + 127.5) clamped to 0...255; grayscale keeps 1 channel
        X.npy   float32 raw samples, shape [N] + the sample shape (NCHW for images)
        DIR     one PNG per sample, DIR/000000.png ... (pytorch-fid); DIR must not exist or be
                empty; a path ending in / or without an extension is a directory
      .npz and PNG need an image problem; 2-D mixtures write .npy only.

      OPTIONS:
        --nfe K          jumps of the sampler, \(nfeRange.lowerBound)...\(nfeRange.upperBound)
        --count N        samples, \(countRange.lowerBound)...\(countRange.upperBound)
        --out PATH       output file or directory (written whole or not at all)
        --seed S         noise seed, 0...\(UInt64.max) (default \(Evaluator.evaluationSeed), the evaluation's)
        --students DIR   kept students (default \(StudentFile.defaultDirectory))
        \(ResultsSupport.databaseOptionHelp)

      EXIT CODES: 0 ok; 64 usage (bounds, an unknown --out extension, .npz or PNG for a non-image
      problem, a RUN-OR-CELL that is neither id nor label); 65 missing or malformed input (no such
      run or cell, a run that did not complete, no kept student, an unwritable --out).

      EXAMPLES:
        precond-bench samples fashion14/ctm/analytic/seed1 --nfe 2 --count 10000 --out samples.npz
        precond-bench samples 7 --nfe 1 --count 50000 --out samples/ && python -m pytorch_fid samples/ ref.npz
        precond-bench samples blobs/ctm/ctm/seed1 --nfe 2 --count 1000 --out blobs.npy --seed 7
      """,
    valueOptions: ["--db", "--nfe", "--count", "--out", "--seed", "--students"])

  /// What --out asks for.
  enum Format: String {
    case npz, npy, png
  }

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    try arguments.expectPositionals(1...1, spec.usage)
    let command = arguments.command
    let nfe = try arguments.requiredInteger("--nfe", in: nfeRange)
    let count = try arguments.requiredInteger("--count", in: countRange)
    let out = try arguments.required("--out")
    var seed = Evaluator.evaluationSeed
    if let text = arguments.value("--seed") {
      guard let value = UInt64(text) else {
        throw CommandFailure.usage("\(command): --seed must be an integer in 0...\(UInt64.max), got '\(text)'")
      }
      seed = value
    }
    let format = try outputFormat(out, command: command)
    try checkWritable(out, format: format)

    let store = try ResultsSupport.openStore(arguments)
    let result = try ResultsSupport.resolveRun(arguments.positionals[0], store: store, command: command)
    let run = result.run
    let label = ResultsSupport.label(run.cell)
    guard run.status == .completed else {
      throw CommandFailure.malformed(
        "run \(run.id) (\(label), suite \(run.cell.suite)) is \(run.status.rawValue), not completed: only a completed run keeps its student")
    }
    let directory = arguments.value("--students") ?? StudentFile.defaultDirectory
    let file = StudentFile.path(directory: directory, suite: run.cell.suite, specHash: run.cell.specHash, seed: run.cell.seed)
    guard FileManager.default.fileExists(atPath: file) else {
      throw CommandFailure.malformed(
        "run \(run.id) (\(label)): no kept student \(file). Runs keep their students since this version, in the "
          + "--students directory of `run`; pass that directory with --students, or run the cell again "
          + "(e.g. `precond-bench run \(run.cell.suite) --db NEW.sqlite`)")
    }
    let student = try KeptStudent(contentsOf: file)
    guard student.specHash == run.cell.specHash else {
      throw CommandFailure.malformed("\(file): holds the student of spec hash \(student.specHash), not run \(run.id)'s \(run.cell.specHash)")
    }
    let shape = student.sampleShape
    let isImage = shape.count == 3 && (shape[0] == 1 || shape[0] == 3)
    if format != .npy && !isImage {
      throw CommandFailure.usage(
        "\(command): run \(run.id) (\(label)) has samples of shape \(shape), not 1- or 3-channel images: "
          + "write them with --out PATH.npy (.npz and PNG folders hold images only)")
    }

    switch format {
    case .npy:
      var values = [Float]()
      values.reserveCapacity(count * shape.reduce(1, *))
      student.samples(count: count, nfe: nfe, seed: seed) { batch, _ in values += batch.scalars }
      try NumpyArray(shape: [count] + shape, elements: .float32(values)).write(to: out)
    case .npz:
      var pixels = [UInt8]()
      pixels.reserveCapacity(count * shape.reduce(1, *))
      student.samples(count: count, nfe: nfe, seed: seed) { batch, _ in pixels += imageBytes(batch, shape: shape) }
      let array = NumpyArray(shape: [count, shape[1], shape[2], shape[0]], elements: .uint8(pixels))
      try NumpyArchive(members: [NumpyArchive.Member(name: "arr_0", array: array)], path: out).write(to: out, compressed: false)
    case .png:
      try writeFolder(out) { temporary in
        try student.samples(count: count, nfe: nfe, seed: seed) { batch, first in
          let bytes = imageBytes(batch, shape: shape)
          let size = shape.reduce(1, *)
          for i in 0..<batch.shape[0] {
            let name = URL(fileURLWithPath: temporary).appendingPathComponent(String(format: "%06d.png", first + i)).path
            try PNG.write(width: shape[2], height: shape[1], channels: shape[0], pixels: Array(bytes[(i * size)..<((i + 1) * size)]), to: name)
          }
        }
      }
    }
    Console.out("\(out): \(count) samples of run \(run.id) (\(label), suite \(run.cell.suite), step \(student.step)) "
      + "at NFE \(nfe), seed \(seed), \(format == .png ? "PNG files" : format.rawValue)")
    return .ok
  }

  /// The format --out asks for: `.npz`, `.npy`, or a directory (ends in `/`, is a directory, or
  /// has no extension).
  static func outputFormat(_ out: String, command: String) throws -> Format {
    let lower = out.lowercased()
    if lower.hasSuffix(".npz") { return .npz }
    if lower.hasSuffix(".npy") { return .npy }
    var isDirectory: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory)
    if out.hasSuffix("/") || (exists && isDirectory.boolValue) || (!exists && URL(fileURLWithPath: out).pathExtension.isEmpty) {
      return .png
    }
    throw CommandFailure.usage(
      "\(command): --out \(out): write .npz (uint8 images), .npy (float32 samples) or a directory (PNG files)")
  }

  /// Fails (65) before any sample is drawn when `out` cannot be written: its nearest existing
  /// ancestor must be a writable directory; a PNG directory must not exist or be empty; a file
  /// must not be a directory.
  static func checkWritable(_ out: String, format: Format) throws {
    let url = URL(fileURLWithPath: out)
    var isDirectory: ObjCBool = false
    if format == .png, FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else { throw CommandFailure.malformed("\(out): exists and is not a directory") }
      let entries = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
      guard entries.isEmpty else {
        throw CommandFailure.malformed("\(out): exists and is not empty (\(entries.count) entries); choose a new directory")
      }
    }
    if format != .png, FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
      throw CommandFailure.malformed("\(out): is a directory, not a file to write")
    }
    var ancestor = url.deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) && ancestor.path != "/" {
      ancestor = ancestor.deletingLastPathComponent()
    }
    guard isDirectory.boolValue, access(ancestor.path, W_OK) == 0 else {
      throw CommandFailure.malformed("\(out): cannot be written (\(ancestor.path) is not a writable directory)")
    }
  }

  /// Samples `[B, C, H, W]` in [-1, 1] as uint8 `[B, H, W, C]`: `round(127.5 x + 127.5)` clamped
  /// to 0...255 (NaN as 0).
  static func imageBytes(_ batch: Tensor, shape: [Int]) -> [UInt8] {
    let (channels, height, width) = (shape[0], shape[1], shape[2])
    let scalars = batch.scalars
    var bytes = [UInt8](repeating: 0, count: scalars.count)
    let plane = height * width
    for b in 0..<batch.shape[0] {
      let base = b * channels * plane
      for c in 0..<channels {
        for p in 0..<plane {
          let value = scalars[base + c * plane + p]
          let level = value.isNaN ? 0 : min(max((value * 127.5 + 127.5).rounded(), 0), 255)
          bytes[base + p * channels + c] = UInt8(level)
        }
      }
    }
    return bytes
  }

  /// Fills a temporary directory beside `out` with `body`, then renames it to `out` (replacing
  /// an empty directory), so a failure leaves nothing behind.
  static func writeFolder(_ out: String, _ body: (String) throws -> Void) throws {
    let url = URL(fileURLWithPath: out)
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
    do {
      try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
      try body(temporary)
      if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(atPath: url.path) }
      guard rename(temporary, url.path) == 0 else {
        throw CommandFailure.malformed("\(out): cannot be written (\(String(cString: strerror(errno))))")
      }
    } catch {
      try? FileManager.default.removeItem(atPath: temporary)
      throw error
    }
  }
}
