import Diffusion
import Distillation
import NeuralNet
import TensorCore

/// `perf teacher-step` and `perf distill-step`: seconds of one whole training step of the
/// suites' U-Nets, through the real trainers (`TeacherTrainer.trainStep`,
/// `DistillationTrainer.trainStep`), the figures `Scripts/side-by-side.py` sets beside PyTorch.
enum UNetStepCommand {
  /// What a suite trains (`Benchmarks/Suites/<name>.json`): the U-Net of `problems[0].teacher`
  /// and `student`, the teacher's batch and optimiser, and the distillation's `training` block.
  struct Preset {
    let name: String
    let channels: Int
    let resolution: Int
    let baseWidth: Int
    let embeddingFeatures = 32
    let conditioningWidth = 64
    let groups = 8
    let teacherBatch = 64
    let teacherLearningRate = 0.002
    let teacherEMARate = 0.999
    let distillationBatch = 32
    let gridCount: Int
    let maxJump = 4
    let distillationLearningRate = 0.0002
    let emaRate = 0.99

    var architecture: NetworkArchitecture {
      .unet(UNetConfiguration(channels: channels, resolution: resolution, baseWidth: baseWidth,
        embeddingFeatures: embeddingFeatures, conditioningWidth: conditioningWidth, groups: groups))
    }

    /// Standard-normal stand-in images `[256, channels, resolution, resolution]` (a step's cost
    /// does not depend on the pixel values).
    var data: Tensor {
      RandomStream(seed: 3, purpose: .testing).normalTensor(shape: [256, channels, resolution, resolution])
    }
  }

  static let presets = [
    Preset(name: "fashion-mnist", channels: 1, resolution: 14, baseWidth: 16, gridCount: 10),
    Preset(name: "cifar10", channels: 3, resolution: 16, baseWidth: 32, gridCount: 18),
  ]

  enum Kind: String {
    case teacher = "teacher-step"
    case distill = "distill-step"
  }

  static func spec(_ kind: Kind) -> CommandSpec {
    let what: String
    switch kind {
    case .teacher:
      what = """
        One teacher training step as TeacherTrainer.trainStep takes it: a minibatch of 64 images,
        EDM noise levels, the EDM denoising loss, backward, Adam (lr 0.002), EMA (0.999) of the
        U-Net with one noise input.
        """
    case .distill:
      what = """
        One CTM distillation step as DistillationTrainer.trainStep takes it (preconditioning ctm,
        the suite's batch 32, gridCount 10 or 18, maxJump 4, lr 0.0002, EMAs 0.99, adaptive DSM):
        k Heun steps of the teacher (2k teacher evaluations; k in 1..4 drawn with P(k) ∝ k), the
        student's jumps (online, stop-gradient, target), backward, the DSM loss and its backward,
        Adam and both EMAs. The teacher is a U-Net with random weights (cost does not depend on
        them); the k of every step is printed so that another implementation can repeat them.
        """
    }
    return CommandSpec(
      name: kind.rawValue, summary: kind == .teacher
        ? "Seconds per teacher training step of the suites' U-Nets (EDM loss, Adam, EMA)."
        : "Seconds per CTM distillation step of the suites' U-Nets (Heun solves, jumps, DSM, Adam, EMAs).",
      usage: """
        USAGE: perf \(kind.rawValue) [--preset fashion-mnist|cifar10] [--threads T] [--rounds N]
                               [--warmup W] [--steps S] [--json]

        \(what)

        Each round builds a fresh trainer (so every round takes the same steps 0, 1, ...), takes
        W untimed warm-up steps, then times the next S steps as one block, on the wall clock and
        on the process CPU clock at once (CPU time sums the threads). The figure per clock is the
        block's seconds per step, best over the N rounds.

        OPTIONS:
          --preset P    fashion-mnist (default) or cifar10 (the suites' U-Nets)
          --threads T   worker threads (default 1)
          --rounds N    rounds, best kept (default 1; Scripts/side-by-side.py interleaves rounds itself)
          --warmup W    untimed steps before the timed block (default 1)
          --steps S     timed steps per round (default 4)
          --json        {"seconds", "cpu_seconds", "median_seconds", "jumps", "parameters", "parameter_shapes", ...}
          --help        this text
        """,
      valueOptions: ["--preset", "--threads", "--rounds", "--warmup", "--steps"],
      flags: ["--json"])
  }

  /// One trainer of either kind behind one interface.
  struct Stepper {
    let parameterSet: ParameterSet
    let takeStep: () -> Double
    /// The teacher Heun steps `k` of step `n` (distillation only).
    let jump: (Int) -> Int?
  }

  static func stepper(_ kind: Kind, _ preset: Preset) -> Stepper {
    let data = preset.data
    switch kind {
    case .teacher:
      let configuration = TeacherTrainingConfiguration(
        architecture: preset.architecture, sigmaData: 0.5, steps: 1_000_000, batchSize: preset.teacherBatch,
        optimizer: OptimizerConfiguration(learningRate: preset.teacherLearningRate, warmupSteps: 200),
        emaRate: preset.teacherEMARate, seed: 0)
      let box = Box(TeacherTrainer(configuration: configuration, data: data))
      return Stepper(parameterSet: box.value.parameters, takeStep: { box.value.trainStep() }, jump: { _ in nil })
    case .distill:
      let (teacherNetwork, teacherParameters) = preset.architecture.build(timeInputs: 1, seed: 0)
      let teacher = NetworkDenoiser(network: teacherNetwork, parameters: teacherParameters,
        preconditioning: EDMPreconditioning(sigmaData: 0.5))
      let (network, parameters) = preset.architecture.build(timeInputs: 2, seed: 0)
      let configuration = DistillationConfiguration(
        method: .ctm, preconditioning: .ctm, gridCount: preset.gridCount, maxJump: preset.maxJump, steps: 1_000_000,
        batchSize: preset.distillationBatch,
        optimizer: OptimizerConfiguration(learningRate: preset.distillationLearningRate),
        targetEMARate: preset.emaRate, evaluationEMARate: preset.emaRate, denoisingLoss: .adaptive, seed: 1, sigmaData: 0.5)
      let box = Box(DistillationTrainer(configuration: configuration, teacher: teacher, data: data, network: network,
        initialParameters: parameters))
      return Stepper(parameterSet: parameters, takeStep: { box.value.trainStep().consistencyLoss },
        jump: { box.value.randomInputs(step: $0).draw.k })
    }
  }

  final class Box<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
  }

  static func run(_ kind: Kind, _ arguments: ParsedArguments) throws {
    let presetName = arguments.options["--preset"] ?? "fashion-mnist"
    guard let preset = presets.first(where: { $0.name == presetName }) else {
      throw PerfFailure.usage(
        "\(arguments.command): --preset must be one of \(presets.map(\.name).joined(separator: ", ")), got '\(presetName)'")
    }
    let threads = try arguments.integer("--threads", default: 1, atLeast: 1)
    let rounds = try arguments.integer("--rounds", default: 1, atLeast: 1)
    let warmup = try arguments.integer("--warmup", default: 1, atLeast: 0)
    let steps = try arguments.integer("--steps", default: 4, atLeast: 1)
    ComputeThreads.count = threads
    var wall: [Double] = []
    var cpu: [Double] = []
    var jumps: [Int] = []
    var warmupJumps: [Int] = []
    var parameterSet: ParameterSet? = nil
    var loss = 0.0
    for _ in 0..<rounds {
      let stepper = stepper(kind, preset)
      parameterSet = stepper.parameterSet
      warmupJumps = (0..<warmup).compactMap(stepper.jump)
      jumps = (warmup..<(warmup + steps)).compactMap(stepper.jump)
      for _ in 0..<warmup { _ = stepper.takeStep() }
      let (wallStart, cpuStart) = (BenchmarkClock.wall.now(), BenchmarkClock.cpu.now())
      for _ in 0..<steps { loss = stepper.takeStep() }
      let (wallEnd, cpuEnd) = (BenchmarkClock.wall.now(), BenchmarkClock.cpu.now())
      wall.append((wallEnd - wallStart) / Double(steps))
      cpu.append((cpuEnd - cpuStart) / Double(steps))
    }
    let wallMeasurement = Measurement(secondsPerCall: wall)
    let cpuBest = cpu.min() ?? .nan
    guard let parameterSet else { return }
    let shapes = parameterSet.tensors.map { $0.shape.map(String.init).joined(separator: "x") }
    let batch = kind == .teacher ? preset.teacherBatch : preset.distillationBatch
    if arguments.flag("--json") {
      let shapeList = zip(parameterSet.names, shapes).map { "\"\($0)\": \"\($1)\"" }.joined(separator: ", ")
      print(
        "{\"seconds\": \(wallMeasurement.best), \"cpu_seconds\": \(cpuBest), \"median_seconds\": \(wallMeasurement.median), "
          + "\"step\": \"\(kind.rawValue)\", \"preset\": \"\(preset.name)\", \"threads\": \(threads), \"rounds\": \(rounds), "
          + "\"warmup\": \(warmup), \"steps\": \(steps), \"batch\": \(batch), \"grid_count\": \(preset.gridCount), "
          + "\"max_jump\": \(preset.maxJump), \"warmup_jumps\": \(warmupJumps), \"jumps\": \(jumps), \"loss\": \(loss), "
          + "\"parameters\": \(parameterSet.scalarCount), \"parameter_shapes\": {\(shapeList)}}")
    } else {
      let jumpText = jumps.isEmpty ? "" : ", teacher Heun steps k = \(jumps)"
      print("\(kind.rawValue) \(preset.name) batch \(batch) threads \(threads): "
        + "\(formatted(wallMeasurement.best * 1e3, digits: 1)) ms wall, \(formatted(cpuBest * 1e3, digits: 1)) ms CPU per step "
        + "(best of \(rounds) rounds of \(steps) steps after \(warmup) warm-up\(jumpText)); "
        + "\(parameterSet.scalarCount) parameters, loss \(loss)")
    }
  }
}
