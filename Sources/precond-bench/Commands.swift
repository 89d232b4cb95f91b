/// Every command, in the order `--help` lists them. Add new commands here. (Computed: a stored
/// global array of metatypes is not `Sendable` under Swift 6.)
var allCommands: [any Subcommand.Type] {
  [
  RunCommand.self,
  SuitesCommand.self,
  TeacherTrainCommand.self,
  TeacherInfoCommand.self,
  StatisticsEstimateCommand.self,
  CoefficientsCommand.self,
  GapCommand.self,
  VersionCommand.self,
  DatasetInfoCommand.self,
  FDCommand.self,
  FeaturesCommand.self,
  ReportCommand.self,
  CompareCommand.self,
  CheckCommand.self,
  BaselineSaveCommand.self,
  BaselineExportCommand.self,
  BaselineImportCommand.self,
  BaselineListCommand.self,
  BaselineDeleteCommand.self,
  ExportCommand.self,
  SamplesCommand.self,
  MetricImportCommand.self,
  MergeCommand.self,
  SyntheticResultsCommand.self,
  ]
}

/// `precond-bench version`: prints the version.
enum VersionCommand: Subcommand {
  static let spec = CommandSpec(
    name: "version", summary: "Print the version of precond-bench.",
    usage: "USAGE: precond-bench version")

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    try arguments.expectPositionals(0...0, spec.usage)
    Console.out("precond-bench 0.1.0")
    return .ok
  }
}
