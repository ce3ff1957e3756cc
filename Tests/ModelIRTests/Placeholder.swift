import Testing
@testable import ModelIR
