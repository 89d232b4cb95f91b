import CanonicalJSON

/// The `Baselines/NAME.json` format (version 1): sorted keys, two-space indentation, numbers in
/// shortest round-trip form, non-finite numbers as "inf"/"-inf"/"nan". Writing the value read
/// from a file gives the file back byte for byte.
extension BaselineRecord {
  /// The format version written in `"format"`.
  public static let formatVersion = 1

  /// The baseline as a JSON document.
  public var json: JSONValue {
    var cellMembers: [String: JSONValue] = [:]
    for cell in cells {
      cellMembers[cell.specHash] = .object([
        "dataset": .string(cell.dataset), "teacher": .string(cell.teacher),
        "method": .string(cell.method), "preconditioning": .string(cell.preconditioning),
        "seeds": .array(cell.seeds.map { $0.json }),
      ])
    }
    var machineMembers: [String: JSONValue] = [:]
    for machine in machines { machineMembers[machine.id] = machine.json }
    return .object([
      "format": .int(Self.formatVersion), "name": .string(name),
      "created": .string(created.description), "sourceCommit": sourceCommit.json,
      "suite": .string(suite), "suiteSpecHash": .string(suiteSpecHash),
      "targets": .array(targets.map { $0.json }), "machines": .object(machineMembers),
      "cells": .object(cellMembers),
    ])
  }

  /// The file's text.
  public var fileText: String { json.serialized(pretty: true) }

  /// What to tell a user whose baseline file is wrong.
  public static func remedy(name: String) -> String {
    "Fix the file, or export the baseline again with `precond-bench baseline export \(name)`"
  }

  /// Reads a baseline file's text; every problem is a `RecordFormatError` naming `file` and the
  /// key.
  public init(fileText text: String, file: String) throws {
    let stem = file.split(separator: "/").last.map { String($0) } ?? file
    let remedy = Self.remedy(name: stem.hasSuffix(".json") ? String(stem.dropLast(5)) : stem)
    let document = try JSONValue.parse(text, file: file, remedy: remedy)
    try self.init(json: document, file: file, remedy: remedy)
  }

  /// Reads a baseline document (strictly: unknown keys are errors).
  public init(json document: JSONValue, file: String, remedy: String) throws {
    var reader = try JSONObjectReader(document, file: file, remedy: remedy)
    let format = try reader.integer("format")
    guard format == Self.formatVersion else {
      throw reader.failure(
        "format",
        "unsupported baseline format \(format) (this precond-bench reads \(Self.formatVersion))")
    }
    let createdText = try reader.string("created")
    guard let created = Timestamp(iso8601: createdText) else {
      throw reader.failure("created", "expected YYYY-MM-DDTHH:MM:SSZ, got '\(createdText)'")
    }
    let commit = try CommitInfo(
      json: try reader.value("sourceCommit"), path: reader.path(of: "sourceCommit"), file: file,
      remedy: remedy)
    let targets = try reader.array("targets").enumerated().map { index, value in
      try QualityTarget(
        json: value, path: reader.path(of: "targets") + "[\(index)]", file: file, remedy: remedy)
    }
    var machines: [MachineFingerprint] = []
    let machineReader = try reader.object("machines")
    for (id, value) in machineReader.members.sorted(by: { $0.key < $1.key }) {
      let machine = try MachineFingerprint(
        json: value, path: machineReader.path(of: id), file: file, remedy: remedy)
      guard machine.id == id else {
        throw machineReader.failure(
          id, "the fingerprint's id is \(machine.id), not \(id) (edited by hand?)")
      }
      machines.append(machine)
    }
    let machineIDs = Set(machines.map { $0.id })
    var cells: [BaselineCell] = []
    let cellsReader = try reader.object("cells")
    for (specHash, value) in cellsReader.members.sorted(by: { $0.key < $1.key }) {
      var cell = try JSONObjectReader(
        value, path: cellsReader.path(of: specHash), file: file, remedy: remedy)
      var seeds: [BaselineSeed] = []
      for (index, element) in try cell.array("seeds").enumerated() {
        seeds.append(
          try BaselineSeed(reader: try cell.element("seeds", index, element), machines: machineIDs))
      }
      let seedNumbers = seeds.map { $0.seed }
      guard Set(seedNumbers).count == seedNumbers.count else {
        throw cell.failure("seeds", "a seed appears twice")
      }
      cells.append(
        BaselineCell(
          specHash: specHash, dataset: try cell.string("dataset"),
          teacher: try cell.string("teacher"),
          method: try cell.string("method"), preconditioning: try cell.string("preconditioning"),
          seeds: seeds))
      try cell.finish()
    }
    self.init(
      name: try reader.string("name"), created: created, sourceCommit: commit,
      suite: try reader.string("suite"), suiteSpecHash: try reader.string("suiteSpecHash"),
      targets: targets, machines: machines, cells: cells)
    try reader.finish()
  }
}

extension BaselineSeed {
  var json: JSONValue {
    var members: [String: JSONValue] = [
      "seed": .int(seed), "status": .string(status.rawValue), "statusStep": .optional(statusStep),
      "finalStep": .optional(finalStep), "loss": .optional(loss),
      "metrics": .array(metrics.map { $0.json }),
      "targets": .array(
        targets.map { reach in
          var target: [String: JSONValue] = [
            "metric": .string(reach.target.metric), "nfe": .int(reach.target.nfe),
            "threshold": .number(reach.target.threshold),
            "direction": .string(reach.target.direction.rawValue), "step": .optional(reach.step),
            "trainingWallSeconds": .optional(reach.trainingWallSeconds),
            "trainingCPUSeconds": .optional(reach.trainingCPUSeconds),
          ]
          if let rule = reach.target.rule { target["rule"] = rule.json }
          return .object(target)
        }),
    ]
    if let timing {
      members["timing"] = .object([
        "machine": .string(timing.machine),
        "trainingWallSeconds": .number(timing.trainingWallSeconds),
        "trainingCPUSeconds": .number(timing.trainingCPUSeconds),
        "evaluationSeconds": .number(timing.evaluationSeconds),
      ])
    } else {
      members["timing"] = .null
    }
    return .object(members)
  }

  init(reader input: JSONObjectReader, machines: Set<String>) throws {
    var reader = input
    let statusText = try reader.string("status")
    guard let status = RunStatus(rawValue: statusText) else {
      let valid = RunStatus.allCases.map { $0.rawValue }.joined(separator: ", ")
      throw reader.failure("status", "unknown status '\(statusText)' (valid: \(valid))")
    }
    let metrics = try reader.array("metrics").enumerated().map { index, value in
      try MetricValue(
        json: value, path: reader.path(of: "metrics") + "[\(index)]", file: reader.file,
        remedy: reader.remedy)
    }
    var targets: [BaselineTargetReach] = []
    for (index, value) in try reader.array("targets").enumerated() {
      var target = try reader.element("targets", index, value)
      let directionText = try target.string("direction")
      guard let direction = MetricDirection(text: directionText) else {
        throw target.failure(
          "direction", "unknown direction '\(directionText)' (valid: lower, higher)")
      }
      let rule = try target.optionalValue("rule").map {
        try TargetRule(json: $0, path: target.path(of: "rule"), file: target.file, remedy: target.remedy)
      }
      targets.append(
        BaselineTargetReach(
          target: QualityTarget(
            metric: try target.string("metric"), nfe: try target.integer("nfe"),
            threshold: try target.number("threshold"), direction: direction, rule: rule),
          step: try target.optionalInteger("step"),
          trainingWallSeconds: try target.optionalNumber("trainingWallSeconds"),
          trainingCPUSeconds: try target.optionalNumber("trainingCPUSeconds")))
      try target.finish()
    }
    var timing: BaselineTiming? = nil
    if reader.optionalValue("timing") != nil {
      var timingReader = try reader.object("timing")
      let machine = try timingReader.string("machine")
      guard machines.contains(machine) else {
        throw timingReader.failure("machine", "no machine '\(machine)' in the file's \"machines\"")
      }
      timing = BaselineTiming(
        machine: machine, trainingWallSeconds: try timingReader.number("trainingWallSeconds"),
        trainingCPUSeconds: try timingReader.number("trainingCPUSeconds"),
        evaluationSeconds: try timingReader.number("evaluationSeconds"))
      try timingReader.finish()
    }
    self.init(
      seed: try reader.integer("seed"), status: status,
      statusStep: try reader.optionalInteger("statusStep"),
      finalStep: try reader.optionalInteger("finalStep"), loss: try reader.optionalNumber("loss"),
      metrics: metrics, targets: targets, timing: timing)
    try reader.finish()
  }
}
