import Testing
@testable import Artifact
