// Package jwe is the type-free token mechanics under authsession's token
// layer: key derivation, the strict compact form checked before any
// cryptography, sealing and opening "dir" JWEs (A256GCM opened directly,
// with go-jose as the reference reader), the validation of the registered
// claims, and the inspection of a token for diagnostic tools. It knows
// nothing of sessions; it is the only package importing go-jose and
// golang-jwt.
package jwe
