"""The demo province: real administrative units, generated people, memberships and users."""
