// Zone detail page (being written).
export default {
  path: '/zones/:id',
  title: 'Zone',
  nav: false,
  async render(ctx) {
    ctx.el.append(ctx.h('h1', null, 'Zone'));
  },
};
