import Autodiff
import TensorCore

/// An ordered, named list of parameter tensors: the state of a network, of its EMA copies and of
/// an optimiser's moments. Names are unique; order is the network's registration order.
public struct ParameterSet: Sendable, Equatable {
  /// Parameter names, in registration order.
  public private(set) var names: [String]
  /// The tensors, parallel to `names`.
  public var tensors: [Tensor]

  /// Creates a set from parallel arrays of names and tensors.
  public init(names: [String], tensors: [Tensor]) {
    precondition(names.count == tensors.count, "ParameterSet: \(names.count) names for \(tensors.count) tensors")
    precondition(Set(names).count == names.count, "ParameterSet: duplicate parameter names")
    self.names = names
    self.tensors = tensors
  }

  /// A set of zeros with the same names and shapes (optimiser moments).
  public func zeros() -> ParameterSet {
    ParameterSet(names: names, tensors: tensors.map { Tensor(zeros: $0.shape) })
  }

  /// Number of scalar parameters.
  public var scalarCount: Int { tensors.reduce(0) { $0 + $1.count } }

  /// The index of a named parameter.
  public func index(of name: String) -> Int? { names.firstIndex(of: name) }

  /// The tensor named `name`.
  public subscript(name: String) -> Tensor? {
    index(of: name).map { tensors[$0] }
  }

  /// Binds the parameters as trainable leaves of `tape`.
  public func bind(on tape: Tape) -> BoundParameters {
    BoundParameters(tensors.map { tape.variable($0) })
  }

  /// Binds the parameters as constants (inference, EMA targets, frozen teachers).
  public func constants() -> BoundParameters {
    BoundParameters(tensors.map { Variable($0) })
  }

  /// Whether every element of every tensor is finite.
  public var isFinite: Bool { tensors.allSatisfy { $0.isFinite } }

  /// SHA-256 over names, shapes and the little-endian bytes of every element.
  public var checksum: String {
    var hasher = SHA256()
    for (name, tensor) in zip(names, tensors) {
      hasher.update(string: name)
      hasher.update(string: "\(tensor.shape)")
      hasher.update(floats: tensor.scalars)
    }
    return SHA256.hexString(hasher.finalize())
  }

  /// Copies every tensor of `source` whose name and shape match into this set; tensors of this set
  /// that `source` lacks are set to zero when `zeroMissing` (a student's extra `s` branch starts at
  /// zero so that it reproduces its teacher). Returns the names that were not copied.
  @discardableResult
  public mutating func load(from source: ParameterSet, zeroMissing: Bool) -> [String] {
    var missing = [String]()
    for i in 0..<names.count {
      if let j = source.index(of: names[i]) {
        precondition(source.tensors[j].shape == tensors[i].shape,
          "ParameterSet.load: \(names[i]) has shape \(source.tensors[j].shape) in the source, \(tensors[i].shape) here")
        tensors[i] = source.tensors[j]
      } else {
        missing.append(names[i])
        if zeroMissing { tensors[i] = Tensor(zeros: tensors[i].shape) }
      }
    }
    return missing
  }
}

/// Parameters bound to a computation: one `Variable` per parameter, in the set's order.
public struct BoundParameters {
  /// The bound variables.
  public let variables: [Variable]
  /// Wraps bound variables.
  public init(_ variables: [Variable]) { self.variables = variables }
  /// The variable of parameter `index`.
  public subscript(index: Int) -> Variable { variables[index] }
}
