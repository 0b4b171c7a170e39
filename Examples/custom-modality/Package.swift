// swift-tools-version:6.2
// A package outside BioCube that depends on it as any user's package would. (A package
// on GitHub would say `.package(url: "https://github.com/…/BioCube", branch: "main")`.)
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name (the checkout may be called anything).
let checkout = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "custom-modality",
    dependencies: [.package(path: checkout.path)],
    targets: [
        .executableTarget(
            name: "custom-modality",
            dependencies: [.product(name: "BioCube", package: checkout.lastPathComponent)]
        )
    ],
    swiftLanguageModes: [.v6]
)
