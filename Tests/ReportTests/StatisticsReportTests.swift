import Distillation
import Foundation
import Harness
import Report
import SyntheticResults
import Testing

@Suite("Reports: Analytic-Precond statistics")
struct StatisticsReportTests {
  /// Synthetic results whose analytic runs share statistics that took 30 s and did not converge.
  func results() -> (plain: SuiteResults, withStatistics: SuiteResults) {
    let plain = SyntheticResults().results()
    var results = plain
    for i in results.runs.indices where results.runs[i].run.cell.preconditioning == "analytic" {
      results.runs[i].run.coefficientSeconds = 30
      results.runs[i].run.statistics = StatisticsCost(seconds: 30, lambdaCount: 40, samplesPerPoint: 2048, probesPerSample: 1,
        rounds: 5, tolerance: 0.01, converged: false, maxRelativeErrorB: 0.013,
        worstJump: JumpError(t: 80, s: 0.002, variant: "forward", beta: 3, relativeError: 0.013))
      results.runs[i].coefficients = results.runs[i].coefficients.map { row in
        var row = row
        (row.aError, row.bError, row.lError, row.sStatisticError) = (0.002, 0.001, 0.003, 0.004)
        return row
      }
    }
    return (plain, results)
  }

  @Test("The coefficient section gives standard errors, the one-off cost and unconverged arms")
  func coefficientSection() throws {
    let options = ReportOptions(resamples: 500, figures: false)
    let markdown = try #require(ReportRenderer.render(results().withStatistics, options: options).first).contents
    #expect(markdown.contains("| se(A) | se(B) |"))
    #expect(markdown.contains("**Coefficients that did not converge:**"))
    #expect(markdown.contains("2048 samples per point, 1 Hutchinson probe(s) per sample, 5 round(s)"))
    #expect(markdown.contains("% of one run's training time"))
    #expect(markdown.contains("**Did not converge**"))
    let plain = try #require(ReportRenderer.render(results().plain, options: options).first).contents
    #expect(!plain.contains("se(B)") && !plain.contains("did not converge"))
  }

  @Test("Wall-time speed-ups charge the whole one-off cost to every analytic run, steps are unchanged")
  func charged() {
    let (plain, charged) = results()
    let before = SpeedUp.table(plain, resamples: 200), after = SpeedUp.table(charged, resamples: 200)
    #expect(before.count == after.count && !after.isEmpty)
    var checked = 0
    for (a, b) in zip(before, after) {
      #expect(a.candidate.steps == b.candidate.steps)
      let extra = b.candidate.arm.preconditioning == "analytic" ? 30.0 : 0
      #expect(b.candidate.wallSeconds == a.candidate.wallSeconds.map { $0 + extra })
      if extra > 0 { checked += 1 }
    }
    #expect(checked > 0)
  }
}
