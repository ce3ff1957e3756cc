import Testing
@testable import ModelImport
