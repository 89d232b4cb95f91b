import TensorCore
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `perf`: micro-benchmarks of the kernels and of one training step.
///
/// Every subcommand prints a human-readable line, or with `--json` one JSON object whose first
/// keys are `"gflops"` (where it applies) and `"seconds"`. Exit codes: 0 ok, 64 usage error.
enum PerfCommand: String, CaseIterable {
  case gemm
  case conv
  case unetConv = "unet-conv"
  case elementwise
  case trainStep = "train-step"
  case teacherStep = "teacher-step"
  case distillStep = "distill-step"
  case empiricalTeacher = "empirical-teacher"
  case features

  var spec: CommandSpec {
    switch self {
    case .gemm: GemmCommand.spec
    case .conv: ConvolutionCommand.spec
    case .unetConv: UNetConvolutionsCommand.spec
    case .elementwise: ElementwiseCommand.spec
    case .trainStep: TrainStepCommand.spec
    case .teacherStep: UNetStepCommand.spec(.teacher)
    case .distillStep: UNetStepCommand.spec(.distill)
    case .empiricalTeacher: EmpiricalTeacherCommand.spec
    case .features: FeaturesCommand.spec
    }
  }

  func run(_ arguments: ParsedArguments) throws {
    switch self {
    case .gemm: try GemmCommand.run(arguments)
    case .conv: try ConvolutionCommand.run(arguments)
    case .unetConv: try UNetConvolutionsCommand.run(arguments)
    case .elementwise: try ElementwiseCommand.run(arguments)
    case .trainStep: try TrainStepCommand.run(arguments)
    case .teacherStep: try UNetStepCommand.run(.teacher, arguments)
    case .distillStep: try UNetStepCommand.run(.distill, arguments)
    case .empiricalTeacher: try EmpiricalTeacherCommand.run(arguments)
    case .features: try FeaturesCommand.run(arguments)
    }
  }
}

func topLevelUsage() -> String {
  var lines = [
    "perf: micro-benchmarks of PrecondBench's kernels and training step.",
    "",
    "USAGE: perf <subcommand> [options]     (perf <subcommand> --help for its options)",
    "",
    "SUBCOMMANDS:",
  ]
  for command in PerfCommand.allCases {
    lines.append("  " + command.rawValue.padded(to: 13) + command.spec.summary)
  }
  lines.append("")
  lines.append("Build with: swift build -c release --product perf")
  lines.append(
    "Kernel flavour of this build: \(KernelFlavour.name) (PRECONDBENCH_KERNELS=avx2|avx512 at build time; "
      + "results are bit-identical between flavours)")
  return lines.joined(separator: "\n")
}


func printError(_ text: String) {
  var line = text + "\n"
  line.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}

func runMain() -> Int32 {
  MemoryPolicy.retainFreedMemory()
  let tokens = Array(CommandLine.arguments.dropFirst())
  guard let first = tokens.first else {
    printError(topLevelUsage())
    return 64
  }
  if first == "--help" || first == "-h" || first == "help" {
    print(topLevelUsage())
    return 0
  }
  guard let command = PerfCommand(rawValue: first) else {
    printError("perf: unknown subcommand '\(first)'\n\n" + topLevelUsage())
    return 64
  }
  let rest = Array(tokens.dropFirst())
  if rest.contains("--help") || rest.contains("-h") {
    print(command.spec.usage)
    return 0
  }
  do {
    try command.run(ParsedArguments(tokens: rest, spec: command.spec))
    return 0
  } catch let failure as PerfFailure {
    printError("error: " + failure.message)
    return failure.code
  } catch {
    printError("error: \(error)")
    return 1
  }
}

exit(runMain())
