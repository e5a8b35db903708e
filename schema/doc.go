// Package schema is stage 2 of the pipeline, map and validate: the field
// model a vendor's create-user contract is written in (types, required,
// enums, patterns, conditional rules, aliases), the mapping file that binds a
// roster's columns to those fields (columns, constants, defaults, value maps,
// transforms, lookups), and the checks that give every bad row a per-field
// reason before any network call.
package schema
