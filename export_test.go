package authsession

// OwnerOf exports ownerOf to the black-box tests: the store owner of a
// user's sessions.
func OwnerOf(userID string) string { return ownerOf(userID) }
