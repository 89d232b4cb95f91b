/// Where the results database is: `--db PATH`, else `PRECOND_BENCH_DB`, else
/// `.precond-bench/results.sqlite` in the current directory.
public enum DatabaseLocation {
  /// The default path, relative to the current directory.
  public static let defaultPath = ".precond-bench/results.sqlite"
  /// The environment variable that overrides the default.
  public static let environmentVariable = "PRECOND_BENCH_DB"

  /// The path to use given the `--db` option and the environment.
  public static func resolve(option: String?, environment: [String: String]) -> String {
    if let option, !option.isEmpty { return option }
    if let value = environment[environmentVariable], !value.isEmpty { return value }
    return defaultPath
  }
}
