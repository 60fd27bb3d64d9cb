use charm_reactive::register_trigger;

register_trigger!(when = "a");
register_trigger!(set_flag = "b");
register_trigger!(when = "a", when_not = "b", set_flag = "c");
register_trigger!(when = "a", callback = "f");
register_trigger!(when = "", set_flag = "b");

fn main() {}
