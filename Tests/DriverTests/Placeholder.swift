import Testing
@testable import Driver
