import Datasets
import Diffusion
import Distillation
import Harness
import Metrics
import NeuralNet

/// Maps the library's typed errors to the exit codes of docs/harness.md ("Exit codes"): malformed
/// or missing input is 65, a closed-choice mistake on the command line is 64, a failed benchmark
/// 3, anything else 1.
func commandFailure(for error: any Error) -> CommandFailure {
  switch error {
  case let failure as CommandFailure: return failure
  case let error as RecordFormatError: return .malformed("\(error)")
  case let error as DatasetError: return .malformed("\(error)")
  case let error as CheckpointError: return .malformed("\(error)")
  case let error as StatisticsCacheError: return .malformed("\(error)")
  case let error as TeacherValueCacheError: return .malformed("\(error)")
  case let error as MetricsError: return .malformed("\(error)")
  case let error as ChoiceError: return .usage("\(error)")
  case let error as ProblemError:
    return CommandFailure(code: error.isInputError ? .malformedInput : .benchmarkFailed, message: "\(error)")
  case let error as TeacherTrainingError: return CommandFailure(code: .benchmarkFailed, message: "\(error)")
  default: return CommandFailure(code: .internalError, message: "\(error)")
  }
}
