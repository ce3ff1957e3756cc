import ArgumentParser
import Calibration
import ModelIR

// The option values the commands parse, named so the executable needs no module but Driver.

extension CurveFit.Kind: ExpressibleByArgument {}
extension ACCMeasurement.Aggregate: ExpressibleByArgument {}
extension EliminationProfile.Mode: ExpressibleByArgument {}

/// What eliminated tokens become: `drop` or `merge` (`--elimination-mode`).
public typealias EliminationMode = EliminationProfile.Mode
/// The curve fitted to ACC (`--fit`).
public typealias CurveFitKind = CurveFit.Kind
/// How ACC is aggregated over samples (`--aggregate`).
public typealias ACCAggregate = ACCMeasurement.Aggregate
