import Foundation
import Testing
import TestSupport

/// The CI templates call precond-bench and Scripts/ by name; renaming a command, an option or a
/// script must fail here, not on a cluster a week later. (Their YAML structure is checked by
/// Scripts/check-workflows.py, which the README test command runs.)
@Suite("CI templates name commands, options and scripts that exist")
struct CITemplateTests {
  static var root: URL {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url
  }

  /// The GitHub workflows, the Slurm script and .ci/run: (relative path, lines that are neither
  /// comments nor YAML names and descriptions, with shell line continuations joined).
  static func templates() throws -> [(String, [String])] {
    let workflows = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(".github/workflows").path)
      .filter { $0.hasSuffix(".yml") }.sorted().map { ".github/workflows/" + $0 }
    return try (workflows + ["Scripts/slurm-study.sh", ".ci/run"]).map { path in
      let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        .replacingOccurrences(of: "\\\n", with: " ")
      let lines = text.split(separator: "\n").map(String.init)
        .filter { line in
          let trimmed = line.trimmingCharacters(in: .whitespaces)
          return !["#", "name:", "- name:", "description:"].contains { trimmed.hasPrefix($0) }
        }
      return (path, lines)
    }
  }

  /// `precond-bench WORD [WORD] ... --option ...` as the templates write it (also through
  /// `"$bin"` and `"$bench"`, the scripts' name for the binary).
  static var invocation: Regex<(Substring, Substring, Substring?, Substring)> {
    #/(?:precond-bench|"\$bin"|"\$bench") ([a-z]+)(?: ([a-z]+))?(?![\w-])(.*)/#
  }

  @Test("every precond-bench command and option the templates use is in that command's --help")
  func commands() throws {
    var seen = 0
    for (path, lines) in try Self.templates() {
      for line in lines {
        guard let match = line.firstMatch(of: Self.invocation) else { continue }
        seen += 1
        let (first, second, rest) = (String(match.1), match.2.map(String.init), String(match.3))
        let help = try CommandRunner.run([first] + (second.map { [$0] } ?? []) + ["--help"])
        #expect(help.exitCode == 0 && help.stdout.contains("USAGE: precond-bench \(first)"),
          "\(path): `\(line.trimmingCharacters(in: .whitespaces))` is not a precond-bench command\n\(help.stderr)")
        // Options (up to a shell operator) must be documented by the command, or be global.
        let options = rest.split(separator: "|").first.map { String($0) }?.matches(of: #/\s(--[a-z-]+)/#).map { String($0.1) } ?? []
        for option in options where !["--threads", "--db", "--help"].contains(option) {
          #expect(help.stdout.contains(option), "\(path): `\(first)` has no option \(option)")
        }
      }
    }
    #expect(seen >= 8, "found only \(seen) precond-bench invocations")
  }

  @Test("every Scripts/ and Baselines/ file the templates run exists")
  func scripts() throws {
    var seen = Set<String>()
    for (path, lines) in try Self.templates() {
      for line in lines {
        for match in line.matches(of: #/(?:^|[^\w./-])((?:Scripts|Baselines)/[\w.-]+)/#) {
          let file = String(match.1)
          seen.insert(file)
          #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(file).path), "\(path) names \(file)")
        }
      }
    }
    #expect(seen.isSuperset(of: ["Scripts/test.sh", "Scripts/install-dependencies.sh", "Baselines/smoke.json"]), "\(seen)")
  }
}
