// The migrations are embedded in the binary (`embed_migrations!` in src/db/mod.rs): a
// new migration directory must rebuild it, which cargo does not know by itself.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
