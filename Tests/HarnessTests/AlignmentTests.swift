import Distillation
import TensorCore
import Testing

/// Trajectory alignment is computed in one place (`Diagnostics`), which the evaluator uses.
struct AlignmentTests {
  @Test("Mean and final of |x_student - x_teacher|^2 / d per sample; a non-finite state is infinitely far")
  func alignment() {
    let teacher = [Tensor(shape: [2, 2], scalars: [0, 0, 0, 0]), Tensor(shape: [2, 2], scalars: [1, 1, 1, 1])]
    let student = [Tensor(shape: [2, 2], scalars: [1, 1, 1, 1]), Tensor(shape: [2, 2], scalars: [1, 3, 1, 1])]
    // State 0: four squared errors of 1, 4 / 4 = 1. State 1: one error of 2 (squared 4), 4 / 4 = 1.
    let (mean, final) = Diagnostics.trajectoryAlignment(states: student, teacherStates: teacher)
    #expect(final == 1)
    #expect(mean == 1)
    let diverged = [student[0], Tensor(shape: [2, 2], scalars: [.nan, 0, 0, 0])]
    let broken = Diagnostics.trajectoryAlignment(states: diverged, teacherStates: teacher)
    #expect(broken.final == .infinity)
    #expect(broken.mean == .infinity)
  }
}
