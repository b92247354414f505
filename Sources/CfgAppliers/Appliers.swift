/// The rotation targets that change a credential where it is used. Each type here implements `RotationTarget` over
/// one C library wrapped once (`CPostgres`: libpq, `CRedis`: hiredis); none reads the environment file or a backend.
package enum Appliers {}
