package import BioCubeCore

extension HTTPResponse {
    /// The BioCube error code of an HTTP status a client does not retry — the one mapping
    /// every download client uses, so the same answer means the same code from every
    /// service: 401 and 403 `accessDenied`, 404 and 410 `notFound`, 400 and 422
    /// `invalidArgument` (the service rejected what was asked), anything else
    /// `remoteFailure`. Clients add their service's hint to the message, never change the code.
    package static func errorCode(forStatus status: Int) -> BioCubeError.Code {
        switch status {
        case 401, 403: .accessDenied
        case 404, 410: .notFound
        case 400, 422: .invalidArgument
        default: .remoteFailure
        }
    }

    /// The error code of this response's status (see ``errorCode(forStatus:)``).
    package var errorCode: BioCubeError.Code { Self.errorCode(forStatus: status) }
}
