package authgorilla

// Pattern is pattern, for the black-box tests.
var Pattern = pattern
